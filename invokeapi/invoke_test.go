package invokeapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

// fakeFunctions is an in-memory catalog of read-only functions: each name
// a function of 128 MB and 3 s that runs (nil) or cannot (its error).
func fakeFunctions(fns map[string]error) *catalog.Catalog {
	good, broken := map[string]function.Config{}, map[string]error{}
	for name, err := range fns {
		if err != nil {
			broken[name] = err
		} else {
			good[name] = function.Config{Name: name, MemorySize: 128, Timeout: 3}
		}
	}
	return staticCatalog(good, broken)
}

// staticCatalog is an in-memory catalog of the read-only functions fns
// and broken ones (errs).
func staticCatalog(fns map[string]function.Config, errs map[string]error) *catalog.Catalog {
	c, err := catalog.Open(catalog.Options{})
	if err != nil {
		panic(err)
	}
	c.SetStatic(fns, errs, nil)
	return c
}

type fakeInvoker struct {
	res  scheduler.Result
	err  error
	last scheduler.Request
}

func (f *fakeInvoker) Invoke(ctx context.Context, req scheduler.Request) (scheduler.Result, error) {
	f.last = req
	res := f.res
	res.RequestID = req.RequestID
	return res, f.err
}

type fakeQueue struct {
	got []scheduler.Request
	err error
}

func (q *fakeQueue) Enqueue(req scheduler.Request) error {
	q.got = append(q.got, req)
	return q.err
}

func newTestAPI(inv *fakeInvoker, q *fakeQueue) http.Handler {
	return NewHandler(Config{
		Functions: fakeFunctions(map[string]error{"hello": nil, "broken": errors.New("function.json: MemorySize: 64 MB is out of range")}),
		Invoker:   inv, Queue: q,
	})
}

func do(h http.Handler, path, body string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const helloPath = "/2015-03-31/functions/hello/invocations"

func TestServiceErrors(t *testing.T) {
	h := newTestAPI(&fakeInvoker{res: scheduler.Result{Payload: []byte(`{}`)}}, &fakeQueue{})
	for _, tc := range []struct {
		name, path, body string
		headers          map[string]string
		status           int
		code, message    string
	}{
		{"unknown function", "/2015-03-31/functions/nope/invocations", "{}", nil, 404, "ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"},
		{"unknown qualifier", helloPath + "?Qualifier=prod", "{}", nil, 404, "ResourceNotFoundException", "function:hello:prod"},
		{"broken function", "/2015-03-31/functions/broken/invocations", "{}", nil, 400, "InvalidParameterValueException", "MemorySize"},
		{"bad name", "/2015-03-31/functions/bad%20name/invocations", "{}", nil, 400, "InvalidParameterValueException", ""},
		{"not json", helloPath, "{oops", nil, 400, "InvalidRequestContentException", "Could not parse request body into json"},
		{"too large", helloPath, `"` + strings.Repeat("x", lambda.MaxSyncPayload) + `"`, nil, 413, "RequestTooLargeException",
			"Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
		{"async too large", helloPath, `"` + strings.Repeat("x", lambda.MaxAsyncPayload) + `"`, map[string]string{"X-Amz-Invocation-Type": "Event"},
			413, "RequestTooLargeException", "262144"},
		{"bad invocation type", helloPath, "{}", map[string]string{"X-Amz-Invocation-Type": "Later"}, 400, "InvalidParameterValueException", "invocationType"},
		{"bad log type", helloPath, "{}", map[string]string{"X-Amz-Log-Type": "All"}, 400, "InvalidParameterValueException", "logType"},
		{"bad client context", helloPath, "{}", map[string]string{"X-Amz-Client-Context": "%%%"}, 400, "InvalidParameterValueException", "Client context"},
		{"unknown route", "/2015-03-31/event-source-mappings/", "{}", nil, 404, "UnknownOperationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(h, tc.path, tc.body, tc.headers)
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not a JSON object: %v", rec.Body, err)
			}
			msg := body["message"] + body["Message"]
			if rec.Code != tc.status || rec.Header().Get("X-Amzn-ErrorType") != tc.code || !strings.Contains(msg, tc.message) {
				t.Errorf("got %d %s %q, want %d %s %q", rec.Code, rec.Header().Get("X-Amzn-ErrorType"), msg, tc.status, tc.code, tc.message)
			}
		})
	}
}

func TestInvocationTypes(t *testing.T) {
	inv := &fakeInvoker{res: scheduler.Result{Payload: []byte(`"hi"`), Log: []byte("START\nEND\n")}}
	q := &fakeQueue{}
	h := newTestAPI(inv, q)

	rec := do(h, helloPath, "", map[string]string{"X-Amz-Log-Type": "Tail", "Content-Type": "application/octet-stream"})
	if rec.Code != 200 || rec.Body.String() != `"hi"` || rec.Header().Get("X-Amz-Executed-Version") != "$LATEST" ||
		rec.Header().Get("X-Amzn-RequestId") == "" || rec.Header().Get("X-Amz-Function-Error") != "" {
		t.Errorf("sync: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	if log, _ := base64.StdEncoding.DecodeString(rec.Header().Get("X-Amz-Log-Result")); string(log) != "START\nEND\n" {
		t.Errorf("log result %q", log)
	}
	if string(inv.last.Payload) != "{}" {
		t.Errorf("empty payload reached the function as %q, want {}", inv.last.Payload)
	}

	rec = do(h, helloPath, `{"a":1}`, map[string]string{"X-Amz-Invocation-Type": "Event"})
	if rec.Code != 202 || rec.Body.Len() != 0 || len(q.got) != 1 || string(q.got[0].Payload) != `{"a":1}` {
		t.Errorf("event: %d %q queued %d", rec.Code, rec.Body, len(q.got))
	}
	// The queue looks the function up again by its qualifier when the event runs.
	rec = do(h, helloPath+"?Qualifier=$LATEST", `{}`, map[string]string{"X-Amz-Invocation-Type": "Event"})
	if rec.Code != 202 || len(q.got) != 2 || q.got[1].Qualifier != "$LATEST" || q.got[0].Qualifier != "" {
		t.Errorf("event with a qualifier: %d, queued %+v", rec.Code, q.got)
	}
	rec = do(h, helloPath, `{}`, map[string]string{"X-Amz-Invocation-Type": "DryRun"})
	if rec.Code != 204 || rec.Header().Get("X-Amzn-RequestId") == "" {
		t.Errorf("dry run: %d", rec.Code)
	}

	inv.res = scheduler.Result{Payload: []byte(`{"errorType":"ValueError"}`), ErrorType: "ValueError"}
	rec = do(h, "/invoke/hello", `{}`, map[string]string{"X-Amz-Invocation-Type": "Event"})
	if rec.Code != 200 || rec.Header().Get("X-Amz-Function-Error") != "Unhandled" || rec.Body.String() != `{"errorType":"ValueError"}` {
		t.Errorf("shorthand with a function error: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}

func TestFunctionNameForms(t *testing.T) {
	inv := &fakeInvoker{res: scheduler.Result{Payload: []byte(`{}`)}}
	h := newTestAPI(inv, &fakeQueue{})
	for _, name := range []string{
		"hello", "hello:$LATEST", "hello%3A%24LATEST",
		"arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ahello",
		"123456789012%3Afunction%3Ahello",
	} {
		rec := do(h, "/2015-03-31/functions/"+name+"/invocations", "{}", nil)
		if rec.Code != 200 || inv.last.Function.Name != "hello" {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	if got := inv.last.FunctionARN; got != "arn:aws:lambda:us-east-1:123456789012:function:hello" {
		t.Errorf("ARN %q", got)
	}
}

func TestSchedulerErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{scheduler.ErrThrottled, 429, "TooManyRequestsException"},
		{scheduler.ErrQueueFull, 429, "TooManyRequestsException"}, // the Event queue's count or byte bound
		{scheduler.ErrTooLargeForBudget, 400, "InvalidParameterValueException"},
		{scheduler.ErrShuttingDown, 503, "ServiceException"},
		{errors.New("disk full"), 500, "ServiceException"},
	} {
		rec := do(newTestAPI(&fakeInvoker{err: tc.err}, &fakeQueue{}), helloPath, "{}", nil)
		if rec.Code != tc.status || rec.Header().Get("X-Amzn-ErrorType") != tc.code {
			t.Errorf("%v: got %d %s", tc.err, rec.Code, rec.Header().Get("X-Amzn-ErrorType"))
		}
		if tc.status == 429 && !strings.Contains(rec.Body.String(), `"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"`) {
			t.Errorf("429 body %s", rec.Body)
		}
	}
}

func TestPidsBudgetIsAThrottleNamingMaxPids(t *testing.T) {
	err := fmt.Errorf("%w: 2 sandboxes hold 2048 of its 3000 pids (1024 each)", scheduler.ErrPidsBudget)
	rec := do(newTestAPI(&fakeInvoker{err: err}, &fakeQueue{}), helloPath, "{}", nil)
	if rec.Code != 429 || rec.Header().Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
		t.Fatalf("got %d %s", rec.Code, rec.Header().Get("X-Amzn-ErrorType"))
	}
	var body struct{ Type, Reason, Message string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := "Rate Exceeded: the host's pids budget (lambdad serve --max-pids) has no room for another sandbox: 2 sandboxes hold 2048 of its 3000 pids (1024 each)"
	if body.Type != "User" || body.Reason != "ConcurrentInvocationLimitExceeded" || body.Message != want {
		t.Errorf("body %s", rec.Body)
	}
}
