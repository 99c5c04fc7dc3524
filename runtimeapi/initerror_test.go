package runtimeapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lambdad/lambdad/internal/testkit"
)

const initDoc = `{"errorMessage":"Unable to import module 'app'","errorType":"Runtime.ImportModuleError","stackTrace":[]}`

func postInitError(s *Server, body string, errorType string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, initPath, bytes.NewReader([]byte(body)))
	if errorType != "" {
		r.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	return serve(s, r)
}

func TestInitErrorWaitReady(t *testing.T) {
	s := newTestServer(t)
	checkResponse(t, postInitError(s, initDoc, "Runtime.ImportModuleError"), http.StatusAccepted, accepted)
	var ie *InitError
	if err := s.WaitReady(context.Background()); !errors.As(err, &ie) ||
		ie.ErrorType != "Runtime.ImportModuleError" || string(ie.Body) != initDoc {
		t.Fatalf("WaitReady = %v", err)
	}
	if ie.Error() != "init error: Runtime.ImportModuleError" {
		t.Errorf("Error() = %q", ie.Error())
	}
	if s.State() != StateInitFailed {
		t.Errorf("state %s", s.State())
	}
	// Afterwards: another init error, a GET /next and an Invoke are refused.
	checkErrorDoc(t, postInitError(s, initDoc, ""), http.StatusForbidden, "InvalidStateTransition")
	checkErrorDoc(t, serve(s, newGet()), http.StatusForbidden, "InvalidStateTransition")
	if _, err := s.Invoke(context.Background(), testInvocation("id-1")); !errors.As(err, &ie) {
		t.Errorf("Invoke after init error = %v, want *InitError", err)
	}
}

// The scheduler may call Invoke before WaitReady: the Invoke waiting for the
// runtime gets the init error.
func TestInitErrorFailsWaitingInvoke(t *testing.T) {
	s := newTestServer(t)
	inv := startInvoke(s, context.Background(), testInvocation("id-1"))
	testkit.Eventually(t, "queued", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.call != nil })
	checkResponse(t, postInitError(s, initDoc, ""), http.StatusAccepted, accepted)
	var ie *InitError
	if r := receive(t, inv); !errors.As(r.err, &ie) || ie.ErrorType != "Runtime.ImportModuleError" || string(ie.Body) != initDoc {
		t.Fatalf("Invoke = %v", r.err)
	}
}

func TestInitErrorAfterInit(t *testing.T) {
	s := newTestServer(t)
	startNext(t, s)
	checkErrorDoc(t, postInitError(s, initDoc, ""), http.StatusForbidden, "InvalidStateTransition")
	if err := s.WaitReady(context.Background()); err != nil {
		t.Errorf("WaitReady = %v", err)
	}
}

func TestInitErrorTooLarge(t *testing.T) {
	s := newTestServer(t)
	r := httptest.NewRequest(http.MethodPost, initPath, bytes.NewReader(make([]byte, maxPayload+1)))
	r.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.Big")
	checkResponse(t, serve(s, r), http.StatusRequestEntityTooLarge, tooLarge)
	var ie *InitError
	if err := s.WaitReady(context.Background()); !errors.As(err, &ie) || ie.ErrorType != "Runtime.Big" {
		t.Fatalf("WaitReady = %v", err)
	}
	checkErrorDoc(t, &httptest.ResponseRecorder{Code: 500, Body: bytes.NewBuffer(ie.Body)}, 500, "Runtime.Big")
}
