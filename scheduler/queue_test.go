package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// scriptedInvoker answers the n-th call with script[n] (then repeats the last).
type scriptedInvoker struct {
	mu     sync.Mutex
	calls  int
	script []func() (Result, error)
}

func (s *scriptedInvoker) Invoke(ctx context.Context, req Request) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.script[min(s.calls, len(s.script)-1)]
	s.calls++
	return f()
}

func (s *scriptedInvoker) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func ok() (Result, error)        { return Result{Payload: []byte("{}")}, nil }
func failed() (Result, error)    { return Result{ErrorType: "Unhandled"}, nil }
func throttled() (Result, error) { return Result{}, ErrThrottled }

func TestQueueRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []func() (Result, error)
		calls  int
	}{
		{"success", []func() (Result, error){ok}, 1},
		{"two failures then success", []func() (Result, error){failed, failed, ok}, 3},
		{"always failing: two retries", []func() (Result, error){failed}, 3},
		{"throttles do not use up retries", []func() (Result, error){throttled, throttled, throttled, failed, failed, ok}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &scriptedInvoker{script: tc.script}
			q := NewQueue(QueueConfig{Invoker: inv, RetryDelays: []time.Duration{time.Millisecond, time.Millisecond}, Backoff: time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { q.Run(ctx); close(done) }()
			defer func() { cancel(); <-done }()
			if err := q.Enqueue(Request{Function: fn("a"), RequestID: "r"}); err != nil {
				t.Fatal(err)
			}
			testkit.Eventually(t, "the queue to drain", func() bool { return q.Pending() == 0 })
			if got := inv.count(); got != tc.calls {
				t.Errorf("%d invocations, want %d", got, tc.calls)
			}
		})
	}
}

func TestQueueFull(t *testing.T) {
	q := NewQueue(QueueConfig{Invoker: &scriptedInvoker{script: []func() (Result, error){ok}}, Capacity: 1})
	if err := q.Enqueue(Request{}); err != nil {
		t.Fatal(err)
	}
	if err := q.Enqueue(Request{}); err != ErrQueueFull {
		t.Errorf("second enqueue into a queue of 1: %v, want ErrQueueFull", err)
	}
}

// countingInvoker counts the invocations the queue starts.
type countingInvoker struct {
	Invoker
	n atomic.Int32
}

func (c *countingInvoker) Invoke(ctx context.Context, req Request) (Result, error) {
	c.n.Add(1)
	return c.Invoker.Invoke(ctx, req)
}

// At shutdown with a backlog of slow events: the queue starts none after
// Stop, the invokes in flight are killed once the bound ends, the queue's
// loop stops, every unstarted event stays counted (dropped), and nothing
// is left.
func TestShutdownWithEventBacklog(t *testing.T) {
	l := &fakeLauncher{}
	s := New(Config{Launcher: l, Clock: testkit.NewFakeClock()})
	blockingInvokes(l)
	inv := &countingInvoker{Invoker: s}
	q := NewQueue(QueueConfig{Invoker: inv, Workers: 2, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan struct{})
	go func() { q.Run(ctx); close(ran) }()
	for i := range 10 {
		if err := q.Enqueue(Request{Function: fn("slow"), RequestID: fmt.Sprint("r", i)}); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, "two events running", func() bool { return len(l.instances()) == 2 })

	q.Stop()
	s.StopAccepting()
	started := inv.n.Load()
	bound, end := context.WithCancel(context.Background())
	end() // the bound is over at once: what runs is killed
	s.Shutdown(bound)
	cancel()
	<-ran // the queue's loop stopped

	if got := inv.n.Load(); got != started || started != 2 {
		t.Errorf("%d invokes started, %d of them after the shutdown began; want 2, none after", got, got-started)
	}
	if err := q.Enqueue(Request{Function: fn("slow")}); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("Enqueue after Stop = %v, want ErrShuttingDown", err)
	}
	if got := q.Pending(); got != 10 {
		t.Errorf("%d events pending (dropped) after shutdown, want all 10: 8 never started, 2 killed", got)
	}
	for _, inst := range l.instances() {
		if inst.killed.Load() == 0 || inst.destroyed.Load() != 1 {
			t.Errorf("instance %s: killed %d, destroyed %d times", inst.id, inst.killed.Load(), inst.destroyed.Load())
		}
	}
}

// gatedInvoker runs each invocation when the gate opens, and records it.
type gatedInvoker struct {
	gate chan struct{}
	mu   sync.Mutex
	ran  []string
}

func (g *gatedInvoker) Invoke(ctx context.Context, req Request) (Result, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return Result{}, ErrShuttingDown
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ran = append(g.ran, req.RequestID)
	return Result{Payload: []byte("{}")}, nil
}

func (g *gatedInvoker) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.ran)
}

// The queue holds events up to MaxBytes: one more is refused with
// ErrQueueFull, and every event it accepted runs; once they ran, their
// bytes are free again.
func TestQueueByteBound(t *testing.T) {
	event := func(id string) Request {
		return Request{Function: fn("a"), RequestID: id, Payload: make([]byte, 300)}
	}
	inv := &gatedInvoker{gate: make(chan struct{})}
	q := NewQueue(QueueConfig{Invoker: inv, Workers: 1, MaxBytes: 3 * eventSize(event(""))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for _, id := range []string{"e1", "e2", "e3"} {
		if err := q.Enqueue(event(id)); err != nil {
			t.Fatalf("enqueue %s: %v", id, err)
		}
	}
	if err := q.Enqueue(event("e4")); err != ErrQueueFull {
		t.Fatalf("enqueue beyond MaxBytes: %v, want ErrQueueFull", err)
	}
	if err := q.Enqueue(Request{Function: fn("a"), RequestID: "small"}); err != ErrQueueFull {
		t.Errorf("enqueue of a small event into a full queue: %v, want ErrQueueFull", err)
	}
	if got, want := q.PendingBytes(), 3*eventSize(event("")); got != want {
		t.Errorf("PendingBytes = %d, want %d", got, want)
	}
	close(inv.gate)
	testkit.Eventually(t, "the accepted events to run", func() bool { return q.Pending() == 0 })
	if got := inv.count(); got != 3 {
		t.Errorf("%d events ran, want the 3 accepted", got)
	}
	if got := q.PendingBytes(); got != 0 {
		t.Errorf("PendingBytes = %d after the queue drained, want 0", got)
	}
	if err := q.Enqueue(event("e5")); err != nil {
		t.Errorf("enqueue after the queue drained: %v", err)
	}
}

// eventSize is what req's event counts against QueueConfig.MaxBytes.
func eventSize(req Request) int64 {
	return AsyncEvent{Payload: req.Payload, ClientContext: req.ClientContext, CognitoIdentity: req.CognitoIdentity, TraceID: req.TraceID}.Bytes()
}
