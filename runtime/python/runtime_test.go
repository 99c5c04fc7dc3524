package python

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
	ErrorMessage string   `json:"errorMessage"`
	ErrorType    string   `json:"errorType"`
	RequestID    string   `json:"requestId"`
	StackTrace   []string `json:"stackTrace"`
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
		name:    "two arguments",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
def handler(event, context):
    return {"echo": event, "id": context.aws_request_id}
`},
		event: `{"name": "World"}`,
		want:  `{"echo": {"name": "World"}, "id": "req-1"}`,
	}, {
		name:    "one argument",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
def handler(event):
    return event["n"] + 1
`},
		event: `{"n": 41}`,
		want:  `42`,
	}, {
		name:    "returns None",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
def handler(event, context):
    pass
`},
		event: `{}`,
		want:  `null`,
	}, {
		name:    "decorated one-argument handler",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
import functools
def wrap(f):
    @functools.wraps(f)
    def inner(*args):
        return f(*args)
    return inner
@wrap
def handler(event):
    return "wrapped"
`},
		event: `{}`,
		want:  `"wrapped"`,
	}, {
		name:    "callable object",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
class Handler:
    def __call__(self, event, context):
        return context.function_name
handler = Handler()
`},
		event: `{}`,
		want:  `"fn"`,
	}, {
		name:    "decimal",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
from decimal import Decimal
def handler(event, context):
    return {"int": Decimal("3"), "float": Decimal("1.5")}
`},
		event: `{}`,
		want:  `{"int": 3, "float": 1.5}`,
	}, {
		// As tracing libraries do: the runtime's own requests are not theirs.
		name:    "http.client patched",
		handler: "handler.handler",
		files: map[string]string{"handler.py": `
import http.client
def broken(*args, **kwargs):
    raise RuntimeError("patched")
for cls in (http.client.HTTPConnection, http.client.HTTPResponse):
    for name in ("request", "_send_request", "_send_output", "getresponse", "send", "read", "begin"):
        if hasattr(cls, name):
            setattr(cls, name, broken)
def handler(event, context):
    return "untouched"
`},
		event: `{}`,
		want:  `"untouched"`,
	}, {
		name:    "handler path with slashes",
		handler: "pkg/sub/mod.fn",
		files: map[string]string{
			"pkg/__init__.py":     "",
			"pkg/sub/__init__.py": "",
			"pkg/sub/mod.py": `
def fn(event, context):
    return __name__
`},
		event: `{}`,
		want:  `"pkg.sub.mod"`,
	}, {
		name:    "handler path with dots",
		handler: "pkg.mod.fn",
		files: map[string]string{
			"pkg/__init__.py": "",
			"pkg/mod.py": `
def fn(event, context):
    return __name__
`},
		event: `{}`,
		want:  `"pkg.mod"`,
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

func TestHandlerException(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`}, event{ID: "req-2", Body: `{}`})
	rt := startRuntime(t, api, "handler.handler", map[string]string{"handler.py": `
def check(event):
    raise ValueError("bad input")

def handler(event, context):
    check(event)
`})
	p := api.WaitPost(t)
	if p.Path != "/2018-06-01/runtime/invocation/req-1/error" {
		t.Fatalf("POST %s, want the error of req-1", p.Path)
	}
	if p.ErrorType != "ValueError" {
		t.Errorf("Lambda-Runtime-Function-Error-Type %q, want ValueError", p.ErrorType)
	}
	d := decodeError(t, p)
	if d.ErrorType != "ValueError" || d.ErrorMessage != "bad input" || d.RequestID != "req-1" {
		t.Errorf("error document %s", p.Body)
	}
	// The trace starts in the function's code: the runtime's frames are cut.
	if len(d.StackTrace) != 2 ||
		!strings.Contains(d.StackTrace[0], "handler.py\", line 6, in handler") ||
		!strings.Contains(d.StackTrace[1], "in check\n    raise ValueError(\"bad input\")") {
		t.Errorf("stackTrace %q", d.StackTrace)
	}
	waitOutput(t, rt.Stderr.String, "[ERROR] ValueError: bad input\nTraceback (most recent call last):\n")

	// The runtime survives its function's exceptions.
	if p := api.WaitPost(t); p.Path != "/2018-06-01/runtime/invocation/req-2/error" {
		t.Errorf("second POST %s, want the error of req-2", p.Path)
	}
}

func TestMarshalError(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	startRuntime(t, api, "handler.handler", map[string]string{"handler.py": `
def handler(event, context):
    return {"s": {1, 2}}
`})
	p := api.WaitPost(t)
	d := decodeError(t, p)
	if p.Path != "/2018-06-01/runtime/invocation/req-1/error" || d.ErrorType != "Runtime.MarshalError" ||
		d.ErrorMessage != "Unable to marshal response: Object of type set is not JSON serializable" {
		t.Errorf("POST %s %s, want a Runtime.MarshalError", p.Path, p.Body)
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
			"Lambda-Runtime-Client-Context":   `{"client": {"installation_id": "inst-1", "app_title": "app"}, "custom": {"k": "v"}, "env": {"locale": "en"}}`,
			"Lambda-Runtime-Cognito-Identity": `{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}`,
		},
	}, event{ID: "req-2", Body: `{}`})
	startRuntime(t, api, "handler.handler", map[string]string{"handler.py": `
import os
def handler(event, context):
    cc = context.client_context
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "installation_id": cc and cc.client.installation_id,
        "custom": cc and cc.custom,
        "env": cc and cc.env,
        "cognito_identity_id": context.identity.cognito_identity_id,
        "cognito_identity_pool_id": context.identity.cognito_identity_pool_id,
    }
`})
	var got struct {
		AwsRequestID          string            `json:"aws_request_id"`
		FunctionName          string            `json:"function_name"`
		FunctionVersion       string            `json:"function_version"`
		MemoryLimitInMB       string            `json:"memory_limit_in_mb"`
		InvokedFunctionARN    string            `json:"invoked_function_arn"`
		LogGroupName          string            `json:"log_group_name"`
		LogStreamName         string            `json:"log_stream_name"`
		Remaining             int64             `json:"remaining"`
		Trace                 *string           `json:"trace"`
		InstallationID        *string           `json:"installation_id"`
		Custom                map[string]string `json:"custom"`
		Env                   map[string]string `json:"env"`
		CognitoIdentityID     *string           `json:"cognito_identity_id"`
		CognitoIdentityPoolID *string           `json:"cognito_identity_pool_id"`
	}
	p := api.WaitPost(t)
	if err := json.Unmarshal(p.Body, &got); err != nil {
		t.Fatalf("POST %s %s: %v", p.Path, p.Body, err)
	}
	if got.AwsRequestID != "req-1" || got.FunctionName != "fn" || got.FunctionVersion != "$LATEST" ||
		got.MemoryLimitInMB != "256" || got.InvokedFunctionARN != testARN ||
		got.LogGroupName != "/aws/lambda/fn" || !strings.HasSuffix(got.LogStreamName, "0123456789abcdef") {
		t.Errorf("context %s", p.Body)
	}
	// The handler ran after the deadline was set and before now: what it saw
	// left is at most the 5 s set, and at least what is left now (less a
	// millisecond for the whole milliseconds on both sides).
	if least := time.Until(deadline).Milliseconds() - 1; got.Remaining < least || got.Remaining > 5000 {
		t.Errorf("get_remaining_time_in_millis() = %d, want within [%d, 5000]", got.Remaining, least)
	}
	if got.Trace == nil || !strings.HasPrefix(*got.Trace, "Root=1-5759e988") {
		t.Errorf("_X_AMZN_TRACE_ID = %v, want the trace header", got.Trace)
	}
	if got.InstallationID == nil || *got.InstallationID != "inst-1" || got.Custom["k"] != "v" || got.Env["locale"] != "en" {
		t.Errorf("client context in %s", p.Body)
	}
	if got.CognitoIdentityID == nil || *got.CognitoIdentityID != "id-1" || *got.CognitoIdentityPoolID != "pool-1" {
		t.Errorf("identity in %s", p.Body)
	}

	// The next invocation has neither trace nor client context nor identity.
	p = api.WaitPost(t)
	got.Trace, got.InstallationID, got.CognitoIdentityID = nil, nil, nil
	got.Custom = nil
	if err := json.Unmarshal(p.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.AwsRequestID != "req-2" || got.Trace != nil || got.InstallationID != nil || got.Custom != nil || got.CognitoIdentityID != nil {
		t.Errorf("second invocation saw %s", p.Body)
	}
}

func TestBadClientContext(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`, Headers: map[string]string{"Lambda-Runtime-Client-Context": "{not json"}})
	startRuntime(t, api, "handler.handler", map[string]string{"handler.py": "def handler(e, c): return 1\n"})
	p := api.WaitPost(t)
	if d := decodeError(t, p); d.ErrorType != "Runtime.LambdaContextUnmarshalError" {
		t.Errorf("POST %s %s, want Runtime.LambdaContextUnmarshalError", p.Path, p.Body)
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startRuntime(t, api, "handler.handler", map[string]string{"handler.py": `
import logging
logger = logging.getLogger()
def handler(event, context):
    print("hello from print")
    logger.warning("hello from %s", "logging")
    return None
`})
	api.WaitPost(t)
	waitOutput(t, rt.Stdout.String, "hello from print\n")
	line := regexp.MustCompile(`\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\thello from logging\n`)
	deadline := time.Now().Add(waitLimit)
	for !line.MatchString(rt.Stderr.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr has no line matching %s:\n%s", line, rt.Stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
