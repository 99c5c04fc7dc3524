package runtimeapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		ep   endpoint
		id   string
	}{
		{"/2018-06-01/runtime/invocation/next", epNext, ""},
		{"/2018-06-01/runtime/init/error", epInitError, ""},
		{"/2018-06-01/runtime/invocation/abc-1/response", epResponse, "abc-1"},
		{"/2018-06-01/runtime/invocation/abc-1/error", epError, "abc-1"},
		{"/2018-06-01/runtime/invocation//response", epResponse, ""},
		{"/2018-06-01/runtime/invocation/a/b/response", epUnknown, ""},
		{"/2018-06-01/runtime/invocation/abc/response/", epUnknown, ""},
		{"/2018-06-01/runtime/invocation/abc", epUnknown, ""},
		{"/2018-06-01/runtime/invocation/next/", epUnknown, ""},
		{"/2018-06-01/runtime/init/error/x", epUnknown, ""},
		{"/2020-01-01/extension/register", epRegister, ""},
		{"/2020-01-01/extension/event/next", epEventNext, ""},
		{"/2020-01-01/extension/init/error", epExtensionInitError, ""},
		{"/2020-01-01/extension/exit/error", epExtensionExitError, ""},
		{"/2020-01-01/extension/unknown", epUnknown, ""},
		{"/", epUnknown, ""},
		{"", epUnknown, ""},
	} {
		ep, id := parsePath(tc.path)
		if ep != tc.ep || id != tc.id {
			t.Errorf("parsePath(%q) = %d %q, want %d %q", tc.path, ep, id, tc.ep, tc.id)
		}
	}
}

func TestRouterNotFound(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/", "/2018-06-01/runtime/invocation/x/y/response", "/2020-01-01/extension/registry"} {
		checkErrorDoc(t, serve(s, httptest.NewRequest(http.MethodPost, path, nil)), http.StatusNotFound, "NotFound")
	}
}

func TestRouterMethodNotAllowed(t *testing.T) {
	s := newTestServer(t)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPost, nextPath, "GET"},
		{http.MethodHead, nextPath, "GET"},
		{http.MethodGet, responsePath("id"), "POST"},
		{http.MethodPut, errorPath("id"), "POST"},
		{http.MethodGet, initPath, "POST"},
	} {
		w := serve(s, httptest.NewRequest(tc.method, tc.path, nil))
		checkErrorDoc(t, w, http.StatusMethodNotAllowed, "MethodNotAllowed")
		if got := w.Header().Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	if s.State() != StateInitializing {
		t.Errorf("a refused GET /next ended init: state %s", s.State())
	}
}
