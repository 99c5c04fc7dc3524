package scheduler

import (
	"context"
	"sync"
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
