package nodejs

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// decode unmarshals a POST body into a generic JSON value.
func decode(t *testing.T, p post) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(p.Body, &v); err != nil {
		t.Fatalf("POST %s: body %q is not JSON: %v", p.Path, p.Body, err)
	}
	return v
}

// errorDoc is the error document the runtime posts.
type errorDoc struct {
	ErrorType    string   `json:"errorType"`
	ErrorMessage string   `json:"errorMessage"`
	Trace        []string `json:"trace"`
}

func decodeError(t *testing.T, p post) errorDoc {
	t.Helper()
	var d errorDoc
	if err := json.Unmarshal(p.Body, &d); err != nil {
		t.Fatalf("POST %s: body %q is not an error document: %v", p.Path, p.Body, err)
	}
	return d
}

func TestResponses(t *testing.T) {
	tests := []struct {
		name    string
		handler string // _HANDLER
		files   map[string]string
		event   string
		want    string // JSON the runtime posts to /response
	}{{
		name:    "async ES module",
		handler: "index.handler",
		files: map[string]string{"index.mjs": `
export const handler = async (event, context) => ({ echo: event, id: context.awsRequestId });
`},
		event: `{"name": "World"}`,
		want:  `{"echo": {"name": "World"}, "id": "req-1"}`,
	}, {
		name:    "CommonJS returning a promise",
		handler: "index.handler",
		files: map[string]string{"index.js": `
exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve(event.n + 1), 10));
`},
		event: `{"n": 41}`,
		want:  `42`,
	}, {
		name:    "callback",
		handler: "index.handler",
		files: map[string]string{"index.js": `
exports.handler = (event, context, callback) => { callback(null, { via: "callback" }); };
`},
		event: `{}`,
		want:  `{"via": "callback"}`,
	}, {
		// The callback's result is posted once the event loop is empty: the
		// timer's change is in it.
		name:    "callback waits for the event loop",
		handler: "index.handler",
		files: map[string]string{"index.js": `
exports.handler = (event, context, callback) => {
  const result = { late: false };
  setTimeout(() => { result.late = true; }, 50);
  callback(null, result);
};
`},
		event: `{}`,
		want:  `{"late": true}`,
	}, {
		name:    "callback does not wait when told not to",
		handler: "index.handler",
		files: map[string]string{"index.js": `
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  const result = { late: false };
  setTimeout(() => { result.late = true; }, 60 * 60 * 1000);
  callback(null, result);
};
`},
		event: `{}`,
		want:  `{"late": false}`,
	}, {
		name:    "context.succeed",
		handler: "index.handler",
		files:   map[string]string{"index.js": "exports.handler = (event, context) => { context.succeed('ok'); };\n"},
		event:   `{}`,
		want:    `"ok"`,
	}, {
		name:    "returns nothing and calls nothing",
		handler: "index.handler",
		files:   map[string]string{"index.js": "exports.handler = () => {};\n"},
		event:   `{}`,
		want:    `null`,
	}, {
		name:    "async returns undefined",
		handler: "index.handler",
		files:   map[string]string{"index.mjs": "export async function handler() {}\n"},
		event:   `{}`,
		want:    `null`,
	}, {
		name:    "js under type module",
		handler: "app.main",
		files: map[string]string{
			"package.json": `{"type": "module"}`,
			"app.js":       "export const main = async () => import.meta.url.endsWith('/app.js');\n",
		},
		event: `{}`,
		want:  `true`,
	}, {
		name:    "cjs",
		handler: "app.main",
		files:   map[string]string{"app.cjs": "module.exports.main = async () => typeof require;\n"},
		event:   `{}`,
		want:    `"function"`,
	}, {
		name:    "nested path and export",
		handler: "src/api/app.routes.get",
		files:   map[string]string{"src/api/app.js": "exports.routes = { get: async () => __filename.endsWith('src/api/app.js') };\n"},
		event:   `{}`,
		want:    `true`,
	}, {
		// NODE_PATH's packages: require finds them, and so does import.
		name:    "packages on NODE_PATH",
		handler: "index.handler",
		files: map[string]string{
			"layer/node_modules/greet/package.json": `{"name": "greet", "main": "main.js"}`,
			"layer/node_modules/greet/main.js":      "exports.greet = (n) => 'hello ' + n;\n",
			"index.mjs": `
import { greet } from "greet";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export const handler = async () => [greet("import"), require("greet").greet("require")];
`},
		event: `{}`,
		want:  `["hello import", "hello require"]`,
	}, {
		// AWS's global, there for handlers that do not stream too.
		name:    "awslambda global",
		handler: "index.handler",
		files: map[string]string{"index.js": `
exports.handler = async () => [typeof awslambda.streamifyResponse, typeof awslambda.HttpResponseStream.from];
`},
		event: `{}`,
		want:  `["function", "function"]`,
	}, {
		// As tracing libraries do: the runtime's own requests are not theirs.
		name:    "http patched",
		handler: "index.handler",
		files: map[string]string{"index.js": `
const http = require("node:http");
http.request = () => { throw new Error("patched"); };
exports.handler = async () => "untouched";
`},
		event: `{}`,
		want:  `"untouched"`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			api.Enqueue(event{ID: "req-1", Body: tt.event})
			startRuntime(t, api, tt.handler, tt.files)
			p := api.WaitPost(t)
			if p.Path != "/2018-06-01/runtime/invocation/req-1/response" {
				t.Fatalf("POST %s (%s), want the response of req-1", p.Path, p.Body)
			}
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if got := decode(t, p); !reflect.DeepEqual(got, want) {
				t.Errorf("response %s, want %s", p.Body, tt.want)
			}
		})
	}
}

func TestHandlerErrors(t *testing.T) {
	tests := []struct {
		name, src      string
		errorType, msg string
		traceHas       string // in the trace's first lines; "" for an empty trace
	}{
		{"thrown", "exports.handler = async () => { throw new TypeError('bad input'); };\n", "TypeError", "bad input", "index.js:1"},
		{"rejected", "exports.handler = () => Promise.reject(new RangeError('too far'));\n", "RangeError", "too far", "index.js:1"},
		{"callback error", "exports.handler = (e, c, cb) => cb(new Error('via callback'));\n", "Error", "via callback", "index.js:1"},
		{"thrown string", "exports.handler = async () => { throw 'plain'; };\n", "string", "plain", ""},
		{"custom name", "class MyError extends Error { name = 'MyError' }\nexports.handler = async () => { throw new MyError('mine'); };\n", "MyError", "mine", "index.js:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			api.Enqueue(event{ID: "req-1", Body: `{}`}, event{ID: "req-2", Body: `{}`})
			rt := startRuntime(t, api, "index.handler", map[string]string{"index.js": tt.src})
			p := api.WaitPost(t)
			d := decodeError(t, p)
			if p.Path != "/2018-06-01/runtime/invocation/req-1/error" || p.ErrorType != tt.errorType ||
				d.ErrorType != tt.errorType || d.ErrorMessage != tt.msg {
				t.Errorf("POST %s (error type header %q) %s, want %s %q", p.Path, p.ErrorType, p.Body, tt.errorType, tt.msg)
			}
			if d.Trace == nil {
				t.Errorf("trace missing in %s", p.Body)
			}
			if tt.traceHas == "" && len(d.Trace) != 0 || tt.traceHas != "" &&
				(len(d.Trace) < 2 || d.Trace[0] != tt.errorType+": "+tt.msg || !strings.Contains(d.Trace[1], tt.traceHas)) {
				t.Errorf("trace %q, want %q and a frame at %q", d.Trace, tt.errorType+": "+tt.msg, tt.traceHas)
			}
			waitOutput(t, rt.Stderr.String, "\treq-1\tERROR\tInvoke Error \t{\"errorType\":\""+tt.errorType+"\"")
			// The runtime survives its function's errors.
			if p := api.WaitPost(t); p.Path != "/2018-06-01/runtime/invocation/req-2/error" {
				t.Errorf("second POST %s, want the error of req-2", p.Path)
			}
		})
	}
}

func TestUncaughtException(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startRuntime(t, api, "index.handler", map[string]string{"index.js": `
exports.handler = (event, context, callback) => { setTimeout(() => { throw new Error("from a timer"); }, 10); };
`})
	p := api.WaitPost(t)
	if d := decodeError(t, p); p.Path != "/2018-06-01/runtime/invocation/req-1/error" || d.ErrorMessage != "from a timer" {
		t.Errorf("POST %s %s, want req-1's error", p.Path, p.Body)
	}
	if code := rt.WaitExit(t); code != 129 {
		t.Errorf("runtime exited %d after an uncaught exception, want 129", code)
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	deadline := time.Now().Add(5 * time.Second)
	api.Enqueue(event{
		ID:       "req-1",
		Body:     `{}`,
		Deadline: deadline,
		Headers: map[string]string{
			"Lambda-Runtime-Trace-Id":         "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
			"Lambda-Runtime-Client-Context":   `{"client": {"installation_id": "inst-1"}, "custom": {"k": "v"}, "env": {"locale": "en"}}`,
			"Lambda-Runtime-Cognito-Identity": `{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}`,
		},
	}, event{ID: "req-2", Body: `{}`})
	startRuntime(t, api, "index.handler", map[string]string{"index.mjs": `
export const handler = async (event, context) => ({
  awsRequestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  memoryLimitInMB: context.memoryLimitInMB,
  invokedFunctionArn: context.invokedFunctionArn,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  remaining: context.getRemainingTimeInMillis(),
  waits: context.callbackWaitsForEmptyEventLoop,
  methods: [typeof context.done, typeof context.succeed, typeof context.fail],
  trace: process.env._X_AMZN_TRACE_ID ?? null,
  identity: context.identity ?? null,
  clientContext: context.clientContext ?? null,
});
`})
	var got struct {
		AwsRequestID       string            `json:"awsRequestId"`
		FunctionName       string            `json:"functionName"`
		FunctionVersion    string            `json:"functionVersion"`
		MemoryLimitInMB    string            `json:"memoryLimitInMB"`
		InvokedFunctionARN string            `json:"invokedFunctionArn"`
		LogGroupName       string            `json:"logGroupName"`
		LogStreamName      string            `json:"logStreamName"`
		Remaining          int64             `json:"remaining"`
		Waits              bool              `json:"waits"`
		Methods            []string          `json:"methods"`
		Trace              *string           `json:"trace"`
		Identity           map[string]string `json:"identity"`
		ClientContext      *struct {
			Client map[string]string `json:"client"`
			Custom map[string]string `json:"custom"`
			Env    map[string]string `json:"env"`
		} `json:"clientContext"`
	}
	p := api.WaitPost(t)
	if err := json.Unmarshal(p.Body, &got); err != nil {
		t.Fatalf("POST %s %s: %v", p.Path, p.Body, err)
	}
	if got.AwsRequestID != "req-1" || got.FunctionName != "fn" || got.FunctionVersion != "$LATEST" ||
		got.MemoryLimitInMB != "256" || got.InvokedFunctionARN != testARN || !got.Waits ||
		got.LogGroupName != "/aws/lambda/fn" || !strings.HasSuffix(got.LogStreamName, "0123456789abcdef") ||
		!reflect.DeepEqual(got.Methods, []string{"function", "function", "function"}) {
		t.Errorf("context %s", p.Body)
	}
	// The handler ran after the deadline was set and before now.
	if least := time.Until(deadline).Milliseconds() - 1; got.Remaining < least || got.Remaining > 5000 {
		t.Errorf("getRemainingTimeInMillis() = %d, want within [%d, 5000]", got.Remaining, least)
	}
	if got.Trace == nil || !strings.HasPrefix(*got.Trace, "Root=1-5759e988") {
		t.Errorf("_X_AMZN_TRACE_ID = %v, want the trace header", got.Trace)
	}
	if cc := got.ClientContext; cc == nil || cc.Client["installation_id"] != "inst-1" || cc.Custom["k"] != "v" || cc.Env["locale"] != "en" {
		t.Errorf("client context in %s", p.Body)
	}
	if got.Identity["cognitoIdentityId"] != "id-1" || got.Identity["cognitoIdentityPoolId"] != "pool-1" {
		t.Errorf("identity in %s", p.Body)
	}

	// The next invocation has neither trace nor client context nor identity.
	p = api.WaitPost(t)
	got.Trace, got.Identity, got.ClientContext = nil, nil, nil
	if err := json.Unmarshal(p.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.AwsRequestID != "req-2" || got.Trace != nil || got.Identity != nil || got.ClientContext != nil {
		t.Errorf("second invocation saw %s", p.Body)
	}
}

func TestBadClientContext(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`, Headers: map[string]string{"Lambda-Runtime-Client-Context": "{not json"}})
	startRuntime(t, api, "index.handler", map[string]string{"index.js": "exports.handler = async () => 1;\n"})
	p := api.WaitPost(t)
	if d := decodeError(t, p); d.ErrorType != "Runtime.LambdaContextUnmarshalError" {
		t.Errorf("POST %s %s, want Runtime.LambdaContextUnmarshalError", p.Path, p.Body)
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startRuntime(t, api, "index.handler", map[string]string{"index.js": `
console.log("at init");
exports.handler = async () => {
  console.log("hello from %s", "log");
  console.info("info", { a: 1 });
  console.warn("careful");
  console.error("broken");
};
`})
	api.WaitPost(t)
	const ts = `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`
	for _, w := range []struct {
		get  func() string
		line string
	}{
		{rt.Stdout.String, ts + `\tundefined\tINFO\tat init\n`},
		{rt.Stdout.String, ts + `\treq-1\tINFO\thello from log\n`},
		{rt.Stdout.String, ts + `\treq-1\tINFO\tinfo { a: 1 }\n`},
		{rt.Stderr.String, ts + `\treq-1\tWARN\tcareful\n`},
		{rt.Stderr.String, ts + `\treq-1\tERROR\tbroken\n`},
	} {
		re := regexp.MustCompile(w.line)
		deadline := time.Now().Add(waitLimit)
		for !re.MatchString(w.get()) {
			if time.Now().After(deadline) {
				t.Fatalf("no line matching %s in:\n%s", re, w.get())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
