package funcurl

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/lambdad/lambdad/function"
)

// A preflight is answered from the configuration, never invoking; other
// requests of an allowed origin get the configured headers beside the
// function's own.
func TestCORS(t *testing.T) {
	inv := &fakeInvoker{out: Outcome{Payload: []byte(`{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"https://fn.example"},"body":"x"}`)}}
	h := testHandler(inv)

	pre := httptest.NewRequest("OPTIONS", "http://cors.lambda-url.localhost/x", nil)
	pre.Header.Set("Origin", "https://example.com")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	want := http.Header{
		"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://example.com"}, "Access-Control-Allow-Methods": {"GET,POST"},
		"Access-Control-Allow-Headers": {"x-custom"}, "Access-Control-Expose-Headers": {"x-out"},
		"Access-Control-Allow-Credentials": {"true"}, "Access-Control-Max-Age": {"300"},
	}
	if w.Code != 200 || !reflect.DeepEqual(w.Header(), want) || inv.got.Event != nil {
		t.Errorf("preflight: %d %v (invoked: %v)", w.Code, w.Header(), inv.got.Event != nil)
	}

	pre.Header.Set("Origin", "https://evil.example")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" || inv.got.Event != nil {
		t.Errorf("preflight of another origin: %d %v", w.Code, w.Header())
	}

	get := httptest.NewRequest("GET", "http://cors.lambda-url.localhost/x", nil)
	get.Header.Set("Origin", "https://example.com")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, get)
	if got := w.Header().Values("Access-Control-Allow-Origin"); !reflect.DeepEqual(got, []string{"https://example.com", "https://fn.example"}) ||
		w.Header().Get("Access-Control-Expose-Headers") != "x-out" || w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("GET: %v", w.Header())
	}

	// Without a Cors configuration, OPTIONS is the function's.
	opt := httptest.NewRequest("OPTIONS", "http://hello.lambda-url.localhost/", nil)
	opt.Header.Set("Origin", "https://example.com")
	opt.Header.Set("Access-Control-Request-Method", "POST")
	h.ServeHTTP(httptest.NewRecorder(), opt)
	if inv.got.Event == nil {
		t.Error("OPTIONS of a URL without Cors did not invoke")
	}
}

func TestAllowedOrigin(t *testing.T) {
	for _, tc := range []struct {
		cors   function.Cors
		origin string
		want   string
	}{
		{function.Cors{AllowOrigins: []string{"*"}}, "https://a.example", "*"},
		{function.Cors{AllowOrigins: []string{"*"}, AllowCredentials: true}, "https://a.example", "https://a.example"},
		{function.Cors{AllowOrigins: []string{"https://a.example"}}, "https://A.example", "https://A.example"},
		{function.Cors{AllowOrigins: []string{"https://a.example"}}, "https://b.example", ""},
		{function.Cors{}, "https://a.example", ""},
		{function.Cors{AllowOrigins: []string{"*"}}, "", ""},
	} {
		if got := allowedOrigin(&tc.cors, tc.origin); got != tc.want {
			t.Errorf("%+v %q: %q, want %q", tc.cors, tc.origin, got, tc.want)
		}
	}
}
