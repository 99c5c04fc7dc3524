package runtimeapi

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

func TestNextHeaders(t *testing.T) {
	deadline := time.Now().Add(3 * time.Second)
	inv := Invocation{
		RequestID:       "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Payload:         []byte("{\"a\": [1, 2]}\n"),
		Deadline:        deadline,
		FunctionARN:     testARN + ":live",
		TraceID:         "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		ClientContext:   `{"custom":{"k":"v"},"env":{},"client":{}}`,
		CognitoIdentity: `{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}`,
	}
	s := newTestServer(t)
	w, _ := delivered(t, s, inv)

	if w.Code != http.StatusOK || w.Body.String() != string(inv.Payload) {
		t.Fatalf("got %d %q, want 200 with the payload", w.Code, w.Body)
	}
	want := http.Header{
		"Lambda-Runtime-Aws-Request-Id":       {inv.RequestID},
		"Lambda-Runtime-Deadline-Ms":          {strconv.FormatInt(deadline.UnixMilli(), 10)},
		"Lambda-Runtime-Invoked-Function-Arn": {inv.FunctionARN},
		"Lambda-Runtime-Trace-Id":             {inv.TraceID},
		"Lambda-Runtime-Client-Context":       {inv.ClientContext},
		"Lambda-Runtime-Cognito-Identity":     {inv.CognitoIdentity},
		"Content-Type":                        {"application/json"},
		"Content-Length":                      {strconv.Itoa(len(inv.Payload))},
	}
	if len(w.Header()) != len(want) {
		t.Errorf("headers %v, want %v", w.Header(), want)
	}
	for k, v := range want {
		if got := w.Header().Values(k); len(got) != 1 || got[0] != v[0] {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	ms, err := strconv.ParseInt(w.Header().Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if err != nil || time.UnixMilli(ms).Sub(deadline).Abs() >= time.Millisecond {
		t.Errorf("deadline %q does not parse as the deadline in ms: %v", w.Header().Get("Lambda-Runtime-Deadline-Ms"), err)
	}
	if s.State() != StateInvoking {
		t.Errorf("state %s, want invoking", s.State())
	}
}

func TestNextOptionalHeaders(t *testing.T) {
	absent := []string{"Lambda-Runtime-Trace-Id", "Lambda-Runtime-Client-Context", "Lambda-Runtime-Cognito-Identity", "Lambda-Runtime-Invoked-Function-Arn"}
	for name, inv := range map[string]Invocation{
		"empty": {},
		"invalid": {
			FunctionARN:     "arn\r\nX-Evil: 1",
			TraceID:         "Root=1\n",
			ClientContext:   `{"custom":`,
			CognitoIdentity: `not json`,
		},
		"not objects": {ClientContext: `[1,2]`, CognitoIdentity: `"id"`},
		"blank":       {ClientContext: "  ", CognitoIdentity: "null"},
	} {
		t.Run(name, func(t *testing.T) {
			inv.RequestID = "id-1"
			inv.Deadline = time.Now().Add(time.Second)
			inv.ContentType = "bad\x00type"
			s := newTestServer(t)
			w, _ := delivered(t, s, inv)
			for _, k := range absent {
				if v, ok := w.Header()[k]; ok {
					t.Errorf("%s sent: %q", k, v)
				}
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want the default", ct)
			}
			if _, err := strconv.ParseInt(w.Header().Get("Lambda-Runtime-Deadline-Ms"), 10, 64); err != nil {
				t.Errorf("deadline: %v", err)
			}
		})
	}
}

func TestNextContentType(t *testing.T) {
	s := newTestServer(t)
	inv := testInvocation("id-ct")
	inv.ContentType = "application/octet-stream"
	w, _ := delivered(t, s, inv)
	if ct := w.Header().Get("Content-Type"); ct != inv.ContentType {
		t.Errorf("Content-Type %q, want %q", ct, inv.ContentType)
	}
}

func TestInvokeRejectsInvalidInvocation(t *testing.T) {
	s := newTestServer(t)
	for _, inv := range []Invocation{
		{Deadline: time.Now()},
		{RequestID: "a/b", Deadline: time.Now()},
		{RequestID: "a b", Deadline: time.Now()},
		{RequestID: "no-deadline"},
	} {
		if _, err := s.Invoke(context.Background(), inv); err == nil || !isInvalid(err) {
			t.Errorf("Invoke(%+v) = %v, want ErrInvalidInvocation", inv, err)
		}
	}
}

func TestFirstNextEndsInit(t *testing.T) {
	s := newTestServer(t)
	if s.State() != StateInitializing {
		t.Fatalf("state %s", s.State())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := s.WaitReady(ctx); err != context.DeadlineExceeded {
		t.Fatalf("WaitReady before next = %v, want deadline exceeded", err)
	}
	startNext(t, s)
	if err := s.WaitReady(context.Background()); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	if s.State() != StateReady {
		t.Errorf("state %s, want ready", s.State())
	}
}

// A runtime whose connection broke asks again; the newer GET /next gets the
// invocation and the older is told off.
func TestNextReplaced(t *testing.T) {
	s := newTestServer(t)
	first := startNext(t, s)
	s.mu.Lock()
	firstCh := s.waiter
	s.mu.Unlock()
	second := make(chan bool)
	go func() {
		w := serve(s, newGet())
		second <- w.Code == http.StatusOK
	}()
	testkit.Eventually(t, "second GET /next parked", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.waiter != nil && s.waiter != firstCh
	})
	checkErrorDoc(t, receive(t, first), http.StatusForbidden, "InvalidStateTransition")
	inv := startInvoke(s, context.Background(), testInvocation("id-r"))
	if !receive(t, second) {
		t.Error("second GET /next did not get the invocation")
	}
	checkResponse(t, post(s, responsePath("id-r"), []byte(`1`)), http.StatusAccepted, `{"status":"OK"}`)
	if r := receive(t, inv); r.err != nil || string(r.res.Body) != "1" {
		t.Errorf("Invoke = %+v", r)
	}
}

// A GET /next whose runtime went away gives its invocation back: the next
// GET /next gets it.
func TestNextGoneRequeues(t *testing.T) {
	s := newTestServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	gone := startNextCtx(t, s, ctx)
	cancel()
	receive(t, gone)
	testkit.Eventually(t, "waiter withdrawn", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.waiter == nil
	})
	inv := startInvoke(s, context.Background(), testInvocation("id-q"))
	testkit.Eventually(t, "invocation queued", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.call != nil
	})
	w := receive(t, startNext(t, s))
	if w.Header().Get("Lambda-Runtime-Aws-Request-Id") != "id-q" {
		t.Fatalf("got %d %v", w.Code, w.Header())
	}
	checkResponse(t, post(s, responsePath("id-q"), []byte(`2`)), http.StatusAccepted, `{"status":"OK"}`)
	receive(t, inv)

	// The race itself: the invocation reached the channel of a GET /next
	// whose runtime is gone.
	ch, err := s.park()
	if err != nil {
		t.Fatal(err)
	}
	inv = startInvoke(s, context.Background(), testInvocation("id-race"))
	testkit.Eventually(t, "delivered", func() bool { return len(ch) == 1 })
	s.unpark(ch)
	if st := s.State(); st != StateReady {
		t.Fatalf("state %s after unpark, want ready", st)
	}
	w = receive(t, startNext(t, s))
	if w.Header().Get("Lambda-Runtime-Aws-Request-Id") != "id-race" {
		t.Fatalf("requeued invocation not delivered: %d %v", w.Code, w.Header())
	}
	checkResponse(t, post(s, responsePath("id-race"), nil), http.StatusAccepted, `{"status":"OK"}`)
	receive(t, inv)
}

func TestNextWhileInvoking(t *testing.T) {
	s := newTestServer(t)
	_, inv := delivered(t, s, testInvocation("id-1"))
	next := startNext(t, s) // asks again without posting: parks, invocation stays in flight
	if st := s.State(); st != StateInvoking {
		t.Fatalf("state %s", st)
	}
	checkResponse(t, post(s, responsePath("id-1"), []byte(`"ok"`)), http.StatusAccepted, `{"status":"OK"}`)
	receive(t, inv)
	inv = startInvoke(s, context.Background(), testInvocation("id-2"))
	if w := receive(t, next); w.Header().Get("Lambda-Runtime-Aws-Request-Id") != "id-2" {
		t.Fatalf("got %v", w.Header())
	}
	post(s, responsePath("id-2"), nil)
	receive(t, inv)
}

func newGet() *http.Request {
	r, _ := http.NewRequest(http.MethodGet, nextPath, nil)
	return r
}
