package funcurl

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// fakeRoutes serves URLs by id.
type fakeRoutes map[string]Target

func (f fakeRoutes) LookupURL(id string) (Target, bool) { t, ok := f[id]; return t, ok }

var _ Routes = fakeRoutes(nil)

// fakeInvoker records the invocation and answers out, err.
type fakeInvoker struct {
	got Invocation
	out Outcome
	err error
}

var _ Invoker = (*fakeInvoker)(nil)

func (f *fakeInvoker) Invoke(ctx context.Context, inv Invocation) (Outcome, error) {
	f.got = inv
	return f.out, f.err
}

var testTime = time.Date(2021, 9, 7, 22, 50, 22, 677e6, time.UTC)

func testHandler(inv *fakeInvoker) *Handler {
	return NewHandler(Config{
		Routes: fakeRoutes{
			"hello":       {Function: "hello", Qualifier: function.LatestVersion, Config: function.URLConfig{AuthType: "NONE"}},
			"hello--live": {Function: "hello", Qualifier: "live", Config: function.URLConfig{AuthType: "AWS_IAM"}},
			"cors": {Function: "cors", Qualifier: function.LatestVersion, Config: function.URLConfig{AuthType: "NONE", Cors: &function.Cors{
				AllowOrigins: []string{"https://example.com"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"x-custom"},
				ExposeHeaders: []string{"x-out"}, AllowCredentials: true, MaxAge: 300}}},
		},
		Invoker: inv,
		Now:     func() time.Time { return testTime },
	})
}

// decoded is the event the invoker got.
func decoded(t *testing.T, inv *fakeInvoker) map[string]any {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(inv.got.Event, &e); err != nil {
		t.Fatalf("event %s: %v", inv.got.Event, err)
	}
	return e
}

// The event of a request, as Lambda's documentation shows it: multiple
// query values and headers comma-joined, cookies apart, the body as text
// for a JSON content type.
func TestEventOfHostForm(t *testing.T) {
	inv := &fakeInvoker{out: Outcome{Payload: []byte(`"ok"`)}}
	r := httptest.NewRequest("POST", "http://hello.lambda-url.localhost:9001/my/path?parameter1=value1&parameter1=value2&parameter2=value", strings.NewReader(`{"key1": "value1"}`))
	r.RemoteAddr = "123.123.123.123:4711"
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "agent")
	r.Header.Add("Header2", "value1")
	r.Header.Add("Header2", "value2")
	r.Header.Add("Cookie", "cookie1=a; cookie2=b")
	w := httptest.NewRecorder()
	testHandler(inv).ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	e := decoded(t, inv)
	want := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": "/my/path",
		"rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
		"cookies":        []any{"cookie1=a", "cookie2=b"},
		"headers": map[string]any{"content-type": "application/json", "user-agent": "agent", "header2": "value1,value2",
			"host": "hello.lambda-url.localhost:9001", "x-forwarded-for": "123.123.123.123", "x-forwarded-proto": "http", "x-forwarded-port": "9001"},
		"queryStringParameters": map[string]any{"parameter1": "value1,value2", "parameter2": "value"},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "hello", "domainName": "hello.lambda-url.localhost", "domainPrefix": "hello",
			"http":      map[string]any{"method": "POST", "path": "/my/path", "protocol": "HTTP/1.1", "sourceIp": "123.123.123.123", "userAgent": "agent"},
			"requestId": inv.got.RequestID, "routeKey": "$default", "stage": "$default",
			"time": "07/Sep/2021:22:50:22 +0000", "timeEpoch": float64(1631055022677),
		},
		"body": `{"key1": "value1"}`, "isBase64Encoded": false,
	}
	if !reflect.DeepEqual(e, want) {
		got, _ := json.MarshalIndent(e, "", " ")
		t.Errorf("event:\n%s", got)
	}
	if inv.got.Function != "hello" || inv.got.Qualifier != function.LatestVersion || inv.got.RequestID == "" || w.Header().Get("X-Amzn-RequestId") != inv.got.RequestID {
		t.Errorf("invocation %+v", inv.got)
	}
}

// The path form: the id is the first segment, taken off the path; an
// AWS_IAM URL's event names the signing key.
func TestEventOfPathForm(t *testing.T) {
	inv := &fakeInvoker{out: Outcome{Payload: []byte(`{}`)}}
	r := httptest.NewRequest("GET", "http://127.0.0.1:9001/hello--live/a%2Fb/c", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20210907/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x")
	testHandler(inv).ServeHTTP(httptest.NewRecorder(), r)
	e := decoded(t, inv)
	rc := e["requestContext"].(map[string]any)
	if e["rawPath"] != "/a%2Fb/c" || rc["http"].(map[string]any)["path"] != "/a/b/c" || inv.got.Qualifier != "live" {
		t.Errorf("rawPath %v path %v qualifier %q", e["rawPath"], rc["http"], inv.got.Qualifier)
	}
	if _, ok := e["body"]; ok || e["isBase64Encoded"] != false || e["queryStringParameters"] != nil || e["cookies"] != nil {
		t.Errorf("a GET without body or query: %v", e)
	}
	iam := rc["authorizer"].(map[string]any)["iam"].(map[string]any)
	if iam["accessKey"] != "AKIDEXAMPLE" || iam["accountId"] != "123456789012" {
		t.Errorf("authorizer %v", iam)
	}
	// The root of a URL, either form.
	for _, u := range []string{"http://127.0.0.1:9001/hello", "http://hello.lambda-url.localhost/"} {
		testHandler(inv).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", u, nil))
		if e := decoded(t, inv); e["rawPath"] != "/" {
			t.Errorf("%s: rawPath %v", u, e["rawPath"])
		}
	}
}

// Text content types reach the function as text, others in base64.
func TestBodyEncoding(t *testing.T) {
	for _, tc := range []struct {
		contentType string
		base64      bool
	}{
		{"application/json", false}, {"application/json; charset=utf-8", false}, {"text/plain", false}, {"text/html; charset=utf-8", false},
		{"application/xml", false}, {"application/javascript", false},
		{"application/octet-stream", true}, {"image/png", true}, {"application/x-www-form-urlencoded", true}, {"", true},
		{"multipart/form-data; boundary=x", true},
	} {
		inv := &fakeInvoker{out: Outcome{Payload: []byte(`{}`)}}
		body := []byte("a=1&b=é <&>")
		r := httptest.NewRequest("POST", "http://hello.lambda-url.localhost/", bytes.NewReader(body))
		if tc.contentType != "" {
			r.Header.Set("Content-Type", tc.contentType)
		}
		testHandler(inv).ServeHTTP(httptest.NewRecorder(), r)
		e := decoded(t, inv)
		want := string(body)
		if tc.base64 {
			want = base64.StdEncoding.EncodeToString(body)
		}
		if e["isBase64Encoded"] != tc.base64 || e["body"] != want {
			t.Errorf("%q: isBase64Encoded %v body %q", tc.contentType, e["isBase64Encoded"], e["body"])
		}
	}
}

// Results become responses as Lambda's documentation's examples show.
func TestResults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload string
		status  int
		headers http.Header
		body    string
	}{
		{"string", `"Hello, world!"`, 200, http.Header{"Content-Type": {"application/json"}}, `"Hello, world!"`},
		{"object", `{"message": "Hello, world!"}`, 200, http.Header{"Content-Type": {"application/json"}}, `{"message": "Hello, world!"}`},
		{"number", `42`, 200, http.Header{"Content-Type": {"application/json"}}, `42`},
		{"custom", `{"statusCode": 201, "headers": {"Content-Type": "application/json", "My-Custom-Header": "Custom Value"}, "body": "{\"message\":\"Hello, world!\"}", "isBase64Encoded": false}`,
			201, http.Header{"Content-Type": {"application/json"}, "My-Custom-Header": {"Custom Value"}}, `{"message":"Hello, world!"}`},
		{"cookies", `{"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "body": "hi", "cookies": ["Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT", "Cookie_2=Value2; Max-Age=78000"]}`,
			201, http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT", "Cookie_2=Value2; Max-Age=78000"}}, "hi"},
		{"base64", `{"statusCode": 200, "headers": {"content-type": "image/png"}, "body": "AP8=", "isBase64Encoded": true}`,
			200, http.Header{"Content-Type": {"image/png"}}, "\x00\xff"},
		{"no body", `{"statusCode": 204}`, 204, http.Header{"Content-Type": {"application/json"}}, ""},
		{"numeric header", `{"statusCode": 200, "headers": {"X-N": 5}, "body": "x"}`, 200, http.Header{"Content-Type": {"application/json"}, "X-N": {"5"}}, "x"},
		{"bad status", `{"statusCode": 700, "body": "x"}`, 502, http.Header{"Content-Type": {"application/json"}}, "Internal Server Error"},
		{"status not a number", `{"statusCode": "ok", "body": "x"}`, 502, http.Header{"Content-Type": {"application/json"}}, "Internal Server Error"},
		{"bad base64", `{"statusCode": 200, "body": "%%", "isBase64Encoded": true}`, 502, http.Header{"Content-Type": {"application/json"}}, "Internal Server Error"},
		{"not json", `oops`, 502, http.Header{"Content-Type": {"application/json"}}, "Internal Server Error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{out: Outcome{Payload: []byte(tc.payload)}}
			w := httptest.NewRecorder()
			testHandler(inv).ServeHTTP(w, httptest.NewRequest("GET", "http://hello.lambda-url.localhost/", nil))
			w.Header().Del("X-Amzn-RequestId")
			if w.Code != tc.status || !reflect.DeepEqual(w.Header(), tc.headers) || w.Body.String() != tc.body {
				t.Errorf("got %d %v %q, want %d %v %q", w.Code, w.Header(), w.Body, tc.status, tc.headers, tc.body)
			}
		})
	}
}

// What never reaches the function, or fails in it.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		url    string
		out    Outcome
		err    error
		body   io.Reader
		status int
		want   string
	}{
		{"function error", "http://hello.lambda-url.localhost/", Outcome{Payload: []byte(`{"errorType":"Sandbox.Timedout"}`), FunctionError: true}, nil, nil, 502, "Internal Server Error"},
		{"throttled", "http://hello.lambda-url.localhost/", Outcome{}, ErrThrottled, nil, 429, "Rate Exceeded."},
		{"gone", "http://hello.lambda-url.localhost/", Outcome{}, ErrNotFound, nil, 404, "not found"},
		{"shutting down", "http://hello.lambda-url.localhost/", Outcome{}, ErrShuttingDown, nil, 503, "shutting down"},
		{"lambdad failed", "http://hello.lambda-url.localhost/", Outcome{}, errors.New("disk full"), nil, 500, "disk full"},
		{"unknown id", "http://nope.lambda-url.localhost/", Outcome{}, nil, nil, 404, "no function URL nope"},
		{"unknown path id", "http://127.0.0.1:9001/nope/x", Outcome{}, nil, nil, 404, "no function URL nope"},
		{"no id", "http://127.0.0.1:9001/", Outcome{}, nil, nil, 404, "no function URL here"},
		{"too large", "http://hello.lambda-url.localhost/", Outcome{}, nil, bytes.NewReader(make([]byte, lambda.MaxSyncPayload+1)), 413, "6291456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{out: tc.out, err: tc.err}
			w := httptest.NewRecorder()
			testHandler(inv).ServeHTTP(w, httptest.NewRequest("POST", tc.url, tc.body))
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body, tc.status, tc.want)
			}
		})
	}
}
