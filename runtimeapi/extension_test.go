package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

const (
	registerPath    = "/2020-01-01/extension/register"
	eventNextPath   = "/2020-01-01/extension/event/next"
	extInitErrPath  = "/2020-01-01/extension/init/error"
	extExitErrPath  = "/2020-01-01/extension/exit/error"
	allEvents       = `{"events":["INVOKE","SHUTDOWN"]}`
	testExtension   = "telemetry-ext"
	testExtension2  = "second-ext"
	testHandlerName = "bootstrap.handler"
)

// registerExt registers name with body and returns the answer.
func registerExt(s *Server, name, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, registerPath, strings.NewReader(body))
	if name != "" {
		r.Header.Set(hdrExtensionName, name)
	}
	r.Header.Set(hdrExtensionAccept, "accountId")
	return serve(s, r)
}

// mustRegister registers name and returns its identifier.
func mustRegister(t *testing.T, s *Server, name, body string) string {
	t.Helper()
	w := registerExt(s, name, body)
	if w.Code != http.StatusOK {
		t.Fatalf("register %s: %d %s", name, w.Code, w.Body)
	}
	id := w.Header().Get(hdrExtensionID)
	if id == "" {
		t.Fatal("no " + hdrExtensionID)
	}
	return id
}

// startEventNext serves an extension's GET /event/next in the background.
func startEventNext(s *Server, id string) <-chan *httptest.ResponseRecorder {
	done := make(chan *httptest.ResponseRecorder, 1)
	r := httptest.NewRequest(http.MethodGet, eventNextPath, nil)
	r.Header.Set(hdrExtensionID, id)
	go func() { done <- serve(s, r) }()
	return done
}

// event decodes an extension event answer.
func extEvent(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get(hdrExtensionEventID) == "" {
		t.Fatalf("event: %d %s (event id %q)", w.Code, w.Body, w.Header().Get(hdrExtensionEventID))
	}
	var ev map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestExtensionLifecycle(t *testing.T) {
	s := newTestServer(t)
	s.SetFunction(FunctionInfo{Name: "hello", Version: "$LATEST", Handler: testHandlerName, AccountID: "123456789012"})
	s.ExpectExtensions([]string{testExtension})

	registered := make(chan error, 1)
	go func() { registered <- s.WaitExtensionsRegistered(context.Background()) }()
	w := registerExt(s, testExtension, allEvents)
	var info struct{ FunctionName, FunctionVersion, Handler, AccountID string }
	json.Unmarshal(w.Body.Bytes(), &info)
	if w.Code != http.StatusOK || info.FunctionName != "hello" || info.FunctionVersion != "$LATEST" ||
		info.Handler != testHandlerName || info.AccountID != "123456789012" {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	ext := w.Header().Get(hdrExtensionID)
	if err := receive(t, registered); err != nil {
		t.Fatal(err)
	}
	// The runtime starts; an internal extension registers from it.
	internal := mustRegister(t, s, testExtension2, `{"events":["INVOKE"]}`)

	ready := make(chan error, 1)
	go func() { ready <- s.WaitReady(context.Background()) }()
	next := startNext(t, s)
	select {
	case err := <-ready:
		t.Fatalf("ready before the extensions asked for events: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	// Too late for another internal extension.
	checkErrorDoc(t, registerExt(s, "late", `{"events":["INVOKE"]}`), http.StatusForbidden, errTypeRegistrationClosed)
	extNext := startEventNext(s, ext)
	intNext := startEventNext(s, internal)
	testkit.Eventually(t, "extensions started", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.extensionsStarted()
	})
	if err := receive(t, ready); err != nil {
		t.Fatal(err)
	}
	if !s.InvokeExtensions() {
		t.Fatal("InvokeExtensions: false")
	}

	inv := testInvocation("req-1")
	inv.TraceID = "Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Parent=2be948a625588e32;Sampled=1"
	done := startInvoke(s, context.Background(), inv)
	for _, ch := range []<-chan *httptest.ResponseRecorder{extNext, intNext} {
		ev := extEvent(t, receive(t, ch))
		if ev["eventType"] != "INVOKE" || ev["requestId"] != "req-1" || ev["invokedFunctionArn"] != testARN ||
			ev["deadlineMs"].(float64) != float64(inv.Deadline.UnixMilli()) {
			t.Errorf("INVOKE event %v", ev)
		}
		if tr, _ := ev["tracing"].(map[string]any); tr["type"] != "X-Amzn-Trace-Id" || tr["value"] != inv.TraceID {
			t.Errorf("tracing %v", ev["tracing"])
		}
	}
	receive(t, next)
	checkResponse(t, post(s, responsePath("req-1"), []byte(`"ok"`)), http.StatusAccepted, `{"status":"OK"}`)
	if r := receive(t, done); r.err != nil || string(r.res.Body) != `"ok"` {
		t.Fatalf("invoke: %+v", r)
	}

	// The runtime answered; the invocation goes on until both extensions ask again.
	waited := make(chan error, 1)
	go func() { waited <- s.WaitExtensions(context.Background()) }()
	extNext = startEventNext(s, ext)
	select {
	case err := <-waited:
		t.Fatalf("WaitExtensions returned with an extension still busy: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	startEventNext(s, internal)
	if err := receive(t, waited); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(2 * time.Second)
	if names := s.Shutdown(ShutdownSpindown, deadline); len(names) != 1 || names[0] != testExtension {
		t.Fatalf("Shutdown went to %v", names)
	}
	ev := extEvent(t, receive(t, extNext))
	if ev["eventType"] != "SHUTDOWN" || ev["shutdownReason"] != "spindown" || ev["deadlineMs"].(float64) != float64(deadline.UnixMilli()) {
		t.Errorf("SHUTDOWN event %v", ev)
	}
}

func TestExtensionRegisterErrors(t *testing.T) {
	s := newTestServer(t)
	s.ExpectExtensions([]string{testExtension})
	checkErrorDoc(t, registerExt(s, "", allEvents), http.StatusForbidden, errTypeInvalidExtensionName)
	checkErrorDoc(t, registerExt(s, testExtension, `{"events":`), http.StatusForbidden, errTypeInvalidRequestFormat)
	checkErrorDoc(t, registerExt(s, testExtension, `{"events":["INVOKE","BOOT"]}`), http.StatusForbidden, errTypeInvalidEventType)
	checkErrorDoc(t, registerExt(s, "internal", allEvents), http.StatusForbidden, errTypeInvalidEventType)
	checkErrorDoc(t, registerExt(s, testExtension, `{"events":[],"configurationKeys":["a"]}`), http.StatusForbidden, errTypeInvalidRequestFormat)
	mustRegister(t, s, testExtension, allEvents)
	checkErrorDoc(t, registerExt(s, testExtension, allEvents), http.StatusForbidden, errTypeInvalidExtensionState)
	for i := range maxExtensions - 1 {
		mustRegister(t, s, "internal-"+string(rune('a'+i)), `{"events":["INVOKE"]}`)
	}
	checkErrorDoc(t, registerExt(s, "one-too-many", `{"events":["INVOKE"]}`), http.StatusForbidden, errTypeTooManyExtensions)

	r := httptest.NewRequest(http.MethodGet, eventNextPath, nil)
	checkErrorDoc(t, serve(s, r), http.StatusForbidden, errTypeMissingHeader)
	r.Header.Set(hdrExtensionID, "not-an-extension")
	checkErrorDoc(t, serve(s, r), http.StatusForbidden, errTypeUnknownExtension)
	checkErrorDoc(t, serve(s, httptest.NewRequest(http.MethodPost, eventNextPath, nil)), http.StatusMethodNotAllowed, errorTypeMethodNotAllowed)
}

func TestExtensionInitError(t *testing.T) {
	s := newTestServer(t)
	s.ExpectExtensions([]string{testExtension})
	id := mustRegister(t, s, testExtension, allEvents)
	ready := make(chan error, 1)
	go func() { ready <- s.WaitReady(context.Background()) }()

	r := httptest.NewRequest(http.MethodPost, extInitErrPath, strings.NewReader(`{"errorMessage":"no config","errorType":"Extension.ConfigInvalid"}`))
	r.Header.Set(hdrExtensionID, id)
	checkErrorDoc(t, serve(s, r), http.StatusForbidden, errTypeMissingHeader)
	r = httptest.NewRequest(http.MethodPost, extInitErrPath, strings.NewReader(`{"errorMessage":"no config","errorType":"Extension.ConfigInvalid"}`))
	r.Header.Set(hdrExtensionID, id)
	r.Header.Set(hdrExtensionErrorType, "Extension.ConfigInvalid")
	checkResponse(t, serve(s, r), http.StatusAccepted, `{"status":"OK"}`)

	startNext(t, s) // the runtime's first GET /next ends its init; the extension's failed it
	var ie *InitError
	if err := receive(t, ready); !errors.As(err, &ie) || ie.ErrorType != "Extension.ConfigInvalid" || !strings.Contains(string(ie.Body), "no config") {
		t.Fatalf("WaitReady: %v", err)
	}
	if _, err := s.Invoke(context.Background(), testInvocation("req-1")); !errors.As(err, &ie) {
		t.Fatalf("Invoke after an extension's init error: %v", err)
	}

	r = httptest.NewRequest(http.MethodPost, extExitErrPath, strings.NewReader(`{}`))
	r.Header.Set(hdrExtensionID, id)
	r.Header.Set(hdrExtensionErrorType, "Extension.Bye")
	checkResponse(t, serve(s, r), http.StatusAccepted, `{"status":"OK"}`)
	if got := s.ExitError(testExtension); got != "Extension.Bye" {
		t.Errorf("ExitError %q", got)
	}
}

func TestExtensionWaitsEndWithClose(t *testing.T) {
	s := newTestServer(t)
	s.ExpectExtensions([]string{testExtension})
	registered := make(chan error, 1)
	go func() { registered <- s.WaitExtensionsRegistered(context.Background()) }()
	s.Close()
	if err := receive(t, registered); !errors.Is(err, ErrClosed) {
		t.Fatalf("WaitExtensionsRegistered after Close: %v", err)
	}
}

// TestExtensionRegistersBeforeInitNamesIt: an external extension that
// registers before the init named it waits, then registers as external.
func TestExtensionRegistersBeforeInitNamesIt(t *testing.T) {
	s := newTestServer(t)
	s.PendExtensions()
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- registerExt(s, testExtension, allEvents) }()
	select {
	case w := <-done:
		t.Fatalf("registered before the init named its extensions: %d %s", w.Code, w.Body)
	case <-time.After(50 * time.Millisecond):
	}
	s.ExpectExtensions([]string{testExtension})
	if w := receive(t, done); w.Code != http.StatusOK {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	if names := s.Shutdown(ShutdownSpindown, time.Now()); len(names) != 1 {
		t.Errorf("registered as internal: SHUTDOWN goes to %v", names)
	}
}
