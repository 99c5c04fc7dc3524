package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultRetryDelays are Lambda's waits before the two retries of a failed
// asynchronous invocation.
var DefaultRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}

// ErrQueueFull: the async queue holds as many events, or as many bytes of
// them, as it may.
var ErrQueueFull = errors.New("async event queue is full")

// DefaultQueueMaxBytes is QueueConfig.MaxBytes's default: a thousand
// events of Lambda's largest (256 KB).
const DefaultQueueMaxBytes = 256 << 20

// eventOverhead is what an event costs besides its variable fields: the
// Request and its queue entry (~0.5 KB), rounded up.
const eventOverhead = 1 << 10

// eventBytes is what an event counts against QueueConfig.MaxBytes.
func eventBytes(req Request) int64 {
	return int64(eventOverhead + len(req.Payload) + len(req.ClientContext) + len(req.CognitoIdentity) + len(req.TraceID))
}

// Invoker runs one invocation (the Scheduler).
type Invoker interface {
	Invoke(ctx context.Context, req Request) (Result, error)
}

// QueueConfig configures the asynchronous (Event) queue.
type QueueConfig struct {
	Invoker     Invoker
	Clock       Clock           // nil: the real clock
	Workers     int             // events run at once; 0: 16
	Capacity    int             // events held; 0: 100000
	RetryDelays []time.Duration // nil: DefaultRetryDelays; one entry per retry
	// Backoff is the first wait after a throttle or a lambdad failure; it
	// doubles per attempt up to a minute. 0: 100 ms.
	Backoff time.Duration
	Logger  *slog.Logger

	// MaxBytes bounds the bytes of the events held (queued or waiting for
	// a retry; see eventBytes); 0: DefaultQueueMaxBytes.
	MaxBytes int64
}

// Queue runs Event invocations in the background: a function error is
// retried after each of RetryDelays; throttles and lambdad's own failures go
// back to the queue with backoff, without limit. It is held in memory: events
// still queued when the daemon stops are lost (and logged).
type Queue struct {
	cfg   QueueConfig
	clock Clock
	ch    chan queued
	wg    sync.WaitGroup
	stop  chan struct{} // closed by Stop: workers take no more events
	once  sync.Once     // closes stop

	mu      sync.Mutex
	pending int   // queued or waiting for a retry
	bytes   int64 // eventBytes of the pending events
	closed  bool
}

type queued struct {
	req      Request
	attempts int // function errors so far
	backoff  time.Duration
}

// NewQueue returns a queue; Run starts its workers.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = 100000
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultQueueMaxBytes
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = DefaultRetryDelays
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Queue{cfg: cfg, clock: cfg.Clock, ch: make(chan queued, cfg.Capacity), stop: make(chan struct{})}
}

// Enqueue accepts an event; once it returns nil the event will run.
func (q *Queue) Enqueue(req Request) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrShuttingDown
	}
	n := eventBytes(req)
	if q.bytes+n > q.cfg.MaxBytes {
		return ErrQueueFull
	}
	select {
	case q.ch <- queued{req: req, backoff: q.cfg.Backoff}:
		q.pending++
		q.bytes += n
		return nil
	default:
		return ErrQueueFull
	}
}

// Stop makes the workers start no more events and Enqueue refuse new ones
// (ErrShuttingDown), at once; events running go on. Events still queued
// stay queued, unstarted: when Run returns they are dropped, and counted in
// its log. The daemon calls it first thing at shutdown.
func (q *Queue) Stop() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.once.Do(func() { close(q.stop) })
}

// Pending counts events queued or waiting for a retry.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// stopped tells whether Stop was called.
func (q *Queue) stopped() bool {
	select {
	case <-q.stop:
		return true
	default:
		return false
	}
}

// PendingBytes is what the pending events count against
// QueueConfig.MaxBytes.
func (q *Queue) PendingBytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// Run runs events until ctx ends, then returns once the workers stopped.
func (q *Queue) Run(ctx context.Context) {
	for i := 0; i < q.cfg.Workers; i++ {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-q.stop:
					return
				case e := <-q.ch:
					if q.stopped() { // Stop raced the receive: e stays unstarted
						return
					}
					q.run(ctx, e)
				}
			}
		}()
	}
	<-ctx.Done()
	q.wg.Wait()
	q.mu.Lock()
	q.closed = true
	if q.pending > 0 { // held in memory only: a restart does not run them
		q.cfg.Logger.Warn("async events dropped at shutdown: queued, not started or waiting for a retry", "count", q.pending)
	}
	q.mu.Unlock()
}

func (q *Queue) run(ctx context.Context, e queued) {
	res, err := q.cfg.Invoker.Invoke(ctx, e.req)
	log := q.cfg.Logger.With("function", e.req.Function.Name, "request_id", e.req.RequestID)
	switch {
	case err != nil:
		if errors.Is(err, ErrShuttingDown) {
			return // counted as dropped
		}
		log.Warn("async invoke not run; retrying", "err", err, "after", e.backoff)
		next := e
		next.backoff = min(2*e.backoff, time.Minute)
		q.later(ctx, e.backoff, next)
	case res.FunctionError() && e.attempts < len(q.cfg.RetryDelays):
		delay := q.cfg.RetryDelays[e.attempts]
		log.Info("async invoke failed; retrying", "error_type", res.ErrorType, "attempt", e.attempts+1, "after", delay)
		next := e
		next.attempts++
		q.later(ctx, delay, next)
	default:
		if res.FunctionError() {
			log.Warn("async invoke failed; no retries left", "error_type", res.ErrorType)
		}
		q.mu.Lock()
		q.pending--
		q.bytes -= eventBytes(e.req)
		q.mu.Unlock()
	}
}

// later puts e back on the queue after d.
func (q *Queue) later(ctx context.Context, d time.Duration, e queued) {
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		select {
		case <-ctx.Done():
		case <-q.clock.After(d):
			select {
			case q.ch <- e:
			case <-ctx.Done():
			}
		}
	}()
}
