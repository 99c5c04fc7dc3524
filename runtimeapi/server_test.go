package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

func TestServerRoundTrips(t *testing.T) {
	s := listen(t)
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.echo(ctx)

	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		inv := testInvocation(fmt.Sprintf("id-%d", i))
		inv.Payload = []byte(fmt.Sprintf(`{"i":%d}`, i))
		res, err := s.Invoke(ctx, inv)
		if err != nil || res.Outcome != Response || string(res.Body) != string(inv.Payload) {
			t.Fatalf("Invoke %d = %v %q, %v", i, res.Outcome, res.Body, err)
		}
	}
	if n := rt.dials.Load(); n != 1 {
		t.Errorf("%d connections, want one kept alive", n)
	}
}

// The scheduler may hand over an invocation before the runtime asks.
func TestServerInvokeBeforeNext(t *testing.T) {
	s := listen(t)
	inv := startInvoke(s, context.Background(), testInvocation("early"))
	rt := newTestRuntime(t, addr(s))
	resp, payload, err := rt.next(context.Background())
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != "early" {
		t.Fatalf("next: %v %v", resp, err)
	}
	if err := s.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, body, err := rt.post(errorPath("early"), []byte(`{"errorType":"E","errorMessage":"m"}`), nil)
	if err != nil || code != http.StatusAccepted || string(body) != accepted {
		t.Fatalf("post error: %d %s %v", code, body, err)
	}
	r := receive(t, inv)
	if r.err != nil || r.res.Outcome != FunctionError || r.res.ErrorType != "E" {
		t.Errorf("Invoke = %+v %v", r.res, r.err)
	}
	if string(payload) != `{"name":"World"}` {
		t.Errorf("payload %q", payload)
	}
}

func TestServerBusy(t *testing.T) {
	s := listen(t)
	first := startInvoke(s, context.Background(), testInvocation("one"))
	testkit.Eventually(t, "first invocation queued", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.call != nil })
	if _, err := s.Invoke(context.Background(), testInvocation("two")); !errors.Is(err, ErrBusy) {
		t.Fatalf("concurrent Invoke = %v, want ErrBusy", err)
	}
	rt := newTestRuntime(t, addr(s))
	resp, _, err := rt.next(context.Background())
	if err != nil || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != "one" {
		t.Fatalf("next: %v", err)
	}
	if _, err := s.Invoke(context.Background(), testInvocation("two")); !errors.Is(err, ErrBusy) {
		t.Fatalf("Invoke while invoking = %v, want ErrBusy", err)
	}
	rt.post(responsePath("one"), nil, nil)
	if r := receive(t, first); r.err != nil {
		t.Fatal(r.err)
	}
}

func TestServerCancelAbandons(t *testing.T) {
	s := listen(t)
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	inv := startInvoke(s, ctx, testInvocation("slow"))
	resp, _, err := rt.next(context.Background())
	if err != nil || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != "slow" {
		t.Fatalf("next: %v", err)
	}
	if r := receive(t, inv); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("Invoke = %v, want deadline exceeded", r.err)
	}
	code, body, err := rt.post(responsePath("slow"), []byte("late"), nil)
	if err != nil || code != http.StatusBadRequest || string(body) != invalidRequestID {
		t.Fatalf("late post: %d %s %v", code, body, err)
	}
	// The server takes the next invocation.
	go rt.echo(context.Background())
	if res, err := s.Invoke(context.Background(), testInvocation("after")); err != nil || res.Outcome != Response {
		t.Fatalf("Invoke after abandon = %v %v", res.Outcome, err)
	}
}

func TestServerInitError(t *testing.T) {
	s := listen(t)
	inv := startInvoke(s, context.Background(), testInvocation("first"))
	rt := newTestRuntime(t, addr(s))
	hdr := http.Header{"Lambda-Runtime-Function-Error-Type": {"Runtime.ImportModuleError"}}
	code, body, err := rt.post(initPath, []byte(initDoc), hdr)
	if err != nil || code != http.StatusAccepted || string(body) != accepted {
		t.Fatalf("init/error: %d %s %v", code, body, err)
	}
	var ie *InitError
	if err := s.WaitReady(context.Background()); !errors.As(err, &ie) || string(ie.Body) != initDoc {
		t.Fatalf("WaitReady = %v", err)
	}
	if r := receive(t, inv); !errors.As(r.err, &ie) || ie.ErrorType != "Runtime.ImportModuleError" {
		t.Fatalf("Invoke = %v", r.err)
	}
	if code, _, _ := rt.post(initPath, []byte(initDoc), hdr); code != http.StatusForbidden {
		t.Errorf("second init/error: %d, want 403", code)
	}
}

func TestServerCloseUnblocksNext(t *testing.T) {
	s := listen(t)
	rt := newTestRuntime(t, addr(s))
	nextErr := make(chan error, 1)
	go func() {
		_, _, err := rt.next(context.Background())
		nextErr <- err
	}()
	if err := s.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	invoke := startInvoke(s, context.Background(), testInvocation("x"))
	<-nextErr // the invocation went to that GET /next; ask again and block
	go func() {
		resp, _, err := rt.next(context.Background())
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		nextErr <- err
	}()
	testkit.Eventually(t, "GET /next parked", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.waiter != nil })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := receive(t, nextErr); err == nil {
		t.Error("GET /next succeeded after Close")
	}
	if r := receive(t, invoke); !errors.Is(r.err, ErrClosed) {
		t.Errorf("Invoke in flight at Close = %v, want ErrClosed", r.err)
	}
	if c, err := net.Dial("tcp", addr(s)); err == nil {
		c.Close()
		t.Error("the listener still accepts after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if s.State() != StateClosed {
		t.Errorf("state %s", s.State())
	}
	if _, err := s.Invoke(context.Background(), testInvocation("y")); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close = %v", err)
	}
	if err := s.WaitReady(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitReady after Close = %v, want ErrClosed", err)
	}
}

func TestServerCloseBeforeInit(t *testing.T) {
	s := listen(t)
	s.Close()
	if err := s.WaitReady(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitReady = %v, want ErrClosed", err)
	}
}

// An invocation whose ctx ends before any GET /next took it is dropped: the
// runtime never sees it.
func TestServerCancelQueued(t *testing.T) {
	s := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	inv := startInvoke(s, ctx, testInvocation("never"))
	testkit.Eventually(t, "queued", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.call != nil })
	cancel()
	if r := receive(t, inv); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Invoke = %v", r.err)
	}
	inv = startInvoke(s, context.Background(), testInvocation("second"))
	rt := newTestRuntime(t, addr(s))
	resp, _, err := rt.next(context.Background())
	if err != nil || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != "second" {
		t.Fatalf("next: %v %v", resp.Header, err)
	}
	rt.post(responsePath("second"), nil, nil)
	receive(t, inv)
}

// A runtime that hangs up while waiting in GET /next is noticed: the
// server no longer counts it as waiting.
func TestServerNextHangUp(t *testing.T) {
	s := listen(t)
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := rt.next(ctx)
		done <- err
	}()
	testkit.Eventually(t, "GET /next parked", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.waiter != nil })
	cancel()
	receive(t, done)
	testkit.Eventually(t, "GET /next withdrawn", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.waiter == nil })
}

func TestInvokeNotDelivered(t *testing.T) {
	s := listen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	// No runtime ever asks for the event.
	_, err := s.Invoke(ctx, Invocation{RequestID: "0f9b2c4e-0000-4000-8000-000000000001", Deadline: time.Now().Add(time.Second)})
	if !errors.Is(err, ErrNotDelivered) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want ErrNotDelivered and the context's error", err)
	}
}
