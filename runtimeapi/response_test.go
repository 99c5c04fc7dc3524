package runtimeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/internal/testkit"
)

const (
	accepted         = `{"status":"OK"}`
	invalidRequestID = `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`
	tooLarge         = `{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}`
)

func TestResponse(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-1"))
	checkResponse(t, post(s, responsePath("id-1"), []byte(`"hello"`)), http.StatusAccepted, accepted)
	r := receive(t, inv)
	if r.err != nil || r.res.Outcome != Response || string(r.res.Body) != `"hello"` || r.res.ErrorType != "" {
		t.Errorf("Invoke = %+v, %v", r.res, r.err)
	}
	if s.State() != StateReady {
		t.Errorf("state %s, want ready", s.State())
	}
}

func TestResponseInvalidRequestID(t *testing.T) {
	s := newTestServer(t)
	// Before any invocation, and for an invocation not yet delivered.
	checkResponse(t, post(s, responsePath("nope"), nil), http.StatusBadRequest, invalidRequestID)
	inv := startInvoke(s, context.Background(), testInvocation("id-queued"))
	testkit.Eventually(t, "queued", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.call != nil })
	checkResponse(t, post(s, responsePath("id-queued"), nil), http.StatusBadRequest, invalidRequestID)

	receive(t, startNext(t, s))
	for _, id := range []string{"", "other", "ID-QUEUED"} {
		checkResponse(t, post(s, responsePath(id), nil), http.StatusBadRequest, invalidRequestID)
		checkResponse(t, post(s, errorPath(id), nil), http.StatusBadRequest, invalidRequestID)
	}
	checkResponse(t, post(s, responsePath("id-queued"), []byte("1")), http.StatusAccepted, accepted)
	receive(t, inv)

	// Finished, then replaced by the next invocation: unknown again.
	_, inv = delivered(t, s, testInvocation("id-next"))
	checkResponse(t, post(s, responsePath("id-queued"), nil), http.StatusBadRequest, invalidRequestID)
	checkResponse(t, post(s, errorPath("id-queued"), nil), http.StatusBadRequest, invalidRequestID)
	post(s, responsePath("id-next"), nil)
	receive(t, inv)
}

func TestResponseTwice(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-1"))
	checkResponse(t, post(s, responsePath("id-1"), []byte("first")), http.StatusAccepted, accepted)
	checkErrorDoc(t, post(s, responsePath("id-1"), []byte("second")), http.StatusForbidden, "InvalidStateTransition")
	checkErrorDoc(t, post(s, errorPath("id-1"), []byte("third")), http.StatusForbidden, "InvalidStateTransition")
	if r := receive(t, inv); string(r.res.Body) != "first" {
		t.Errorf("Invoke body %q, want the first post", r.res.Body)
	}
}

// A second post while the first one's body is still being read gets 403.
func TestResponseConcurrentPosts(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-1"))
	pr, pw := io.Pipe()
	first := make(chan *httptest.ResponseRecorder)
	go func() {
		first <- serve(s, httptest.NewRequest(http.MethodPost, responsePath("id-1"), pr))
	}()
	testkit.Eventually(t, "first post claimed", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.call.posting })
	checkErrorDoc(t, post(s, errorPath("id-1"), nil), http.StatusForbidden, "InvalidStateTransition")
	pw.Write([]byte("slow"))
	pw.Close()
	checkResponse(t, receive(t, first), http.StatusAccepted, accepted)
	if r := receive(t, inv); string(r.res.Body) != "slow" {
		t.Errorf("Invoke = %+v", r)
	}
}

func TestResponseTooLarge(t *testing.T) {
	big := bytes.Repeat([]byte("x"), maxPayload+1)
	for _, tc := range []struct {
		name          string
		contentLength int64 // -1: chunked
		wantSize      int
	}{
		{"content length", int64(len(big)) + 1000, len(big) + 1000},
		{"chunked", -1, maxPayload + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			_, inv := delivered(t, s, testInvocation("id-big"))
			r := httptest.NewRequest(http.MethodPost, responsePath("id-big"), bytes.NewReader(append(big, make([]byte, 1000)...)))
			r.ContentLength = tc.contentLength
			checkResponse(t, serve(s, r), http.StatusRequestEntityTooLarge, tooLarge)
			res := receive(t, inv)
			want := `{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size (` +
				strconv.Itoa(tc.wantSize) + ` bytes) exceeded maximum allowed payload size (6291556 bytes)."}`
			if res.err != nil || res.res.Outcome != ResponseTooLarge || string(res.res.Body) != want ||
				res.res.ErrorType != "Function.ResponseSizeTooLarge" {
				t.Errorf("Invoke = %v %q %s, want ResponseTooLarge %s", res.res.Outcome, res.res.ErrorType, res.res.Body, want)
			}
			// The invocation is over: a later error post is a second post.
			checkErrorDoc(t, post(s, errorPath("id-big"), nil), http.StatusForbidden, "InvalidStateTransition")
		})
	}
}

func TestResponseAtLimit(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-max"))
	body := bytes.Repeat([]byte("y"), maxPayload)
	r := httptest.NewRequest(http.MethodPost, responsePath("id-max"), bytes.NewReader(body))
	r.ContentLength = -1
	checkResponse(t, serve(s, r), http.StatusAccepted, accepted)
	if res := receive(t, inv); res.res.Outcome != Response || !bytes.Equal(res.res.Body, body) {
		t.Errorf("Invoke = %v with %d bytes", res.res.Outcome, len(res.res.Body))
	}
}

// A runtime that fails while streaming its response declares the error in
// trailers (aws-lambda-go does so for io.Reader responses).
func TestResponseErrorTrailers(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-t"))
	doc := `{"errorMessage":"read failed","errorType":"errorString"}`
	r := httptest.NewRequest(http.MethodPost, responsePath("id-t"), strings.NewReader("partial"))
	r.ContentLength = -1
	r.Trailer = http.Header{
		"Lambda-Runtime-Function-Error-Type": {"errorString"},
		"Lambda-Runtime-Function-Error-Body": {base64.StdEncoding.EncodeToString([]byte(doc))},
	}
	checkResponse(t, serve(s, r), http.StatusAccepted, accepted)
	res := receive(t, inv).res
	if res.Outcome != FunctionError || res.ErrorType != "errorString" || string(res.Body) != doc {
		t.Errorf("Invoke = %v %q %s", res.Outcome, res.ErrorType, res.Body)
	}
}

func TestResponseAbandoned(t *testing.T) {
	s := newTestServer(t)
	next := startNext(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	inv := startInvoke(s, ctx, testInvocation("id-late"))
	receive(t, next)
	cancel()
	if r := receive(t, inv); r.err != context.Canceled {
		t.Fatalf("Invoke = %v, want context.Canceled", r.err)
	}
	if s.State() != StateReady {
		t.Errorf("state %s, want ready", s.State())
	}
	checkResponse(t, post(s, responsePath("id-late"), []byte("late")), http.StatusBadRequest, invalidRequestID)
	checkResponse(t, post(s, errorPath("id-late"), []byte("late")), http.StatusBadRequest, invalidRequestID)
}
