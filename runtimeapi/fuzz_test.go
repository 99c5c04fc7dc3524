package runtimeapi

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParsePath: any path a runtime sends maps to one endpoint, and the id
// of a post is exactly the path segment it came in.
func FuzzParsePath(f *testing.F) {
	for _, p := range []string{
		nextPath, initPath, responsePath("8476a536-e9f4-11e8-9739-2dfe598c3fcd"), errorPath("x"),
		responsePath(""), "/2018-06-01/runtime/invocation/a/b/error", "/2018-06-01/runtime/", "/",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		ep, id := parsePath(path)
		var want string
		switch ep {
		case epUnknown:
			if id != "" {
				t.Fatalf("unknown endpoint with id %q", id)
			}
			return
		case epNext:
			want = nextPath
		case epInitError:
			want = initPath
		case epResponse:
			want = responsePath(id)
		case epError:
			want = errorPath(id)
		}
		if path != want || strings.Contains(id, "/") {
			t.Fatalf("parsePath(%q) = %d %q", path, ep, id)
		}
	})
}

// FuzzRequestID: a request id Invoke accepts goes out in a header and comes
// back through a URL, unchanged.
func FuzzRequestID(f *testing.F) {
	for _, id := range []string{"8476a536-e9f4-11e8-9739-2dfe598c3fcd", "", ".", "..", "a/b", "a%2Fb", "a b", "ü", "x\r\ny"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		for _, p := range []string{responsePath(id), errorPath(id)} {
			ep, got := parsePath(p)
			if validRequestID(id) && (ep == epUnknown || got != id) {
				t.Fatalf("valid id %q parsed from %q as %d %q", id, p, ep, got)
			}
		}
		if !validRequestID(id) {
			if _, err := (&Invocation{RequestID: id}).header(); err == nil {
				t.Fatalf("invalid id %q accepted", id)
			}
			return
		}
		if !validHeaderValue(id) || url.PathEscape(id) != id {
			t.Fatalf("valid id %q needs escaping", id)
		}
		u, err := url.Parse("http://127.0.0.1:9001" + responsePath(id))
		if err != nil {
			t.Fatalf("id %q: %v", id, err)
		}
		if ep, got := parsePath(u.Path); ep != epResponse || got != id {
			t.Fatalf("id %q came back through a URL as %d %q", id, ep, got)
		}
	})
}
