package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

const (
	testARN  = "arn:aws:lambda:us-east-1:123456789012:function:hello"
	nextPath = "/2018-06-01/runtime/invocation/next"
	initPath = "/2018-06-01/runtime/init/error"
)

func responsePath(id string) string { return "/2018-06-01/runtime/invocation/" + id + "/response" }
func errorPath(id string) string    { return "/2018-06-01/runtime/invocation/" + id + "/error" }

// newTestServer returns a server without a socket, for handler tests.
func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := newServer()
	t.Cleanup(func() { s.Close() })
	return s
}

func testInvocation(id string) Invocation {
	return Invocation{
		RequestID:   id,
		Payload:     []byte(`{"name":"World"}`),
		Deadline:    time.Now().Add(time.Minute),
		FunctionARN: testARN,
	}
}

// serve runs one request through s's router.
func serve(s *Server, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	router{s}.ServeHTTP(w, r)
	return w
}

func post(s *Server, path string, body []byte) *httptest.ResponseRecorder {
	return serve(s, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
}

// startNext serves a GET /next in the background and waits until it is
// parked or answered.
func startNext(t *testing.T, s *Server) <-chan *httptest.ResponseRecorder {
	t.Helper()
	return startNextCtx(t, s, context.Background())
}

func startNextCtx(t *testing.T, s *Server, ctx context.Context) <-chan *httptest.ResponseRecorder {
	t.Helper()
	done := make(chan *httptest.ResponseRecorder, 1)
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, nextPath, nil)
	go func() { done <- serve(s, r) }()
	testkit.Eventually(t, "GET /next parked or answered", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.waiter != nil || len(done) > 0 || (s.call != nil && s.call.delivered)
	})
	return done
}

type invokeResult struct {
	res Result
	err error
}

func startInvoke(s *Server, ctx context.Context, inv Invocation) <-chan invokeResult {
	done := make(chan invokeResult, 1)
	go func() {
		res, err := s.Invoke(ctx, inv)
		done <- invokeResult{res, err}
	}()
	return done
}

// receive returns the value from ch, failing the test if none comes soon.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

// delivered hands inv to a GET /next and returns that request's answer.
func delivered(t *testing.T, s *Server, inv Invocation) (*httptest.ResponseRecorder, <-chan invokeResult) {
	t.Helper()
	next := startNext(t, s)
	inv1 := startInvoke(s, context.Background(), inv)
	return receive(t, next), inv1
}

func checkResponse(t *testing.T, w *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	if w.Code != status || w.Body.String() != body {
		t.Errorf("got %d %s, want %d %s", w.Code, w.Body, status, body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

// checkErrorDoc checks a JSON error answer by status and errorType.
func checkErrorDoc(t *testing.T, w *httptest.ResponseRecorder, status int, errorType string) {
	t.Helper()
	var doc struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if w.Code != status || doc.ErrorType != errorType || doc.ErrorMessage == "" {
		t.Errorf("got %d %s, want %d with errorType %s", w.Code, w.Body, status, errorType)
	}
}

func isInvalid(err error) bool { return errors.Is(err, ErrInvalidInvocation) }
