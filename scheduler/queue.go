package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lambdad/lambdad/function"
)

// DefaultRetryDelays are Lambda's waits before the two retries of a failed
// asynchronous invocation.
var DefaultRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}

// ErrQueueFull: the async queue holds as many events, or as many bytes of
// them, as it may.
var ErrQueueFull = errors.New("async event queue is full")

// ErrNoFunction: an event's function (or its qualifier) is gone; the
// event is dropped. QueueConfig.Resolve wraps it.
var ErrNoFunction = errors.New("function not found")

// DefaultQueueMaxBytes is QueueConfig.MaxBytes's default: a thousand
// events of Lambda's largest (256 KB).
const DefaultQueueMaxBytes = 256 << 20

// DefaultQueueCapacity is QueueConfig.Capacity's default.
const DefaultQueueCapacity = 100000

// eventOverhead is what an event costs besides its variable fields: the
// event and its store's entry (~0.5 KB), rounded up.
const eventOverhead = 1 << 10

// Invoker runs one invocation (the Scheduler).
type Invoker interface {
	Invoke(ctx context.Context, req Request) (Result, error)
}

// QueueConfig configures the asynchronous (Event) queue.
type QueueConfig struct {
	Invoker  Invoker
	Clock    Clock      // nil: the real clock
	Workers  int        // events run at once; 0: 16
	Capacity int        // events held; 0: DefaultQueueCapacity
	Store    QueueStore // nil: a MemoryStore
	// Resolve is the function an event runs, by name and qualifier, as it
	// is when the event runs (its EventInvoke set for that qualifier); an
	// error wrapping ErrNoFunction drops the event. nil: the Function of
	// the Request given to Enqueue, held in memory only (tests).
	Resolve func(name, qualifier string) (function.Config, error)
	// RetryDelays are the waits before each retry after a function error
	// (the last repeats); nil: DefaultRetryDelays. How many retries is the
	// function's EventInvokeConfig's.
	RetryDelays []time.Duration
	// Backoff is the first wait after a throttle or a lambdad failure; it
	// doubles per such failure up to a minute, and counts no retry. 0:
	// 100 ms.
	Backoff time.Duration
	Logger  *slog.Logger

	// MaxBytes bounds the bytes of the events held (queued or waiting for
	// a retry; see AsyncEvent.Bytes); 0: DefaultQueueMaxBytes.
	MaxBytes int64
}

// Queue runs Event invocations in the background, from its QueueStore: a
// function error is retried after RetryDelays, up to the function's
// MaximumRetryAttempts; throttles and lambdad's own failures are tried
// again with backoff, without counting; an event older than the
// function's MaximumEventAgeInSeconds is dropped. Each outcome goes to the
// function's destination for it, if any (destination.go). An event is
// Done in the store only once its outcome is final, so with a durable
// store a restart runs again every event not Done: at least once.
type Queue struct {
	cfg   QueueConfig
	clock Clock
	store QueueStore
	wake  chan struct{} // a token: the store or the workers changed
	wg    sync.WaitGroup
	stop  chan struct{} // closed by Stop: workers take no more events
	once  sync.Once     // closes stop

	mu      sync.Mutex
	pending int                        // events held: the store's, and those being put
	bytes   int64                      // their Bytes
	running int                        // events being run
	closed  bool                       // no more Enqueue
	fns     map[string]function.Config // by event id, when cfg.Resolve is nil
}

// NewQueue returns a queue over cfg.Store, whose events count against its
// bounds from the start; Run starts its workers.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = DefaultQueueCapacity
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
	if cfg.Store == nil {
		cfg.Store = NewMemoryStore()
	}
	st := cfg.Store.Stats()
	return &Queue{cfg: cfg, clock: cfg.Clock, store: cfg.Store, wake: make(chan struct{}, 1), stop: make(chan struct{}),
		pending: st.Depth, bytes: st.Bytes, fns: map[string]function.Config{}}
}

// Enqueue accepts an event: once it returns nil the event is in the store
// (on disk, with a durable store) and will run.
func (q *Queue) Enqueue(req Request) error {
	now := q.clock.Now()
	e := AsyncEvent{ID: req.RequestID, Function: req.Function.Name, Qualifier: req.Qualifier, FunctionARN: req.FunctionARN,
		Payload: req.Payload, ContentType: req.ContentType, TraceID: req.TraceID, ClientContext: req.ClientContext,
		CognitoIdentity: req.CognitoIdentity, Enqueued: now, Due: now}
	return q.put(e, &req.Function)
}

// put reserves e's room, then puts it in the store (outside the lock: a
// durable store syncs, and concurrent puts share a sync). fn, if set, is
// its function when there is no Resolve.
func (q *Queue) put(e AsyncEvent, fn *function.Config) error {
	n := e.Bytes()
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return ErrShuttingDown
	case q.pending+1 > q.cfg.Capacity, q.bytes+n > q.cfg.MaxBytes:
		q.mu.Unlock()
		return ErrQueueFull
	}
	q.pending++
	q.bytes += n
	if q.cfg.Resolve == nil && fn != nil {
		q.fns[e.ID] = *fn
	}
	q.mu.Unlock()
	if err := q.store.Put(e); err != nil {
		q.release(e)
		return fmt.Errorf("queue event %s: %w", e.ID, err)
	}
	q.poke()
	return nil
}

// release forgets e's room.
func (q *Queue) release(e AsyncEvent) {
	q.mu.Lock()
	q.pending--
	q.bytes -= e.Bytes()
	delete(q.fns, e.ID)
	q.mu.Unlock()
}

// poke wakes the dispatcher.
func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Stop makes the workers start no more events and Enqueue refuse new ones
// (ErrShuttingDown), at once; events running go on. Events not started
// stay in the store: a durable store runs them at the next start, a
// MemoryStore drops them when Run returns (counted in its log). The
// daemon calls it first thing at shutdown.
func (q *Queue) Stop() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.once.Do(func() { close(q.stop) })
}

// Pending counts events held: queued, running or waiting for a retry.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// PendingBytes is what the pending events count against
// QueueConfig.MaxBytes.
func (q *Queue) PendingBytes() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// Stats is the store's depth, bytes and oldest event.
func (q *Queue) Stats() QueueStats { return q.store.Stats() }

// stopped tells whether Stop was called.
func (q *Queue) stopped() bool {
	select {
	case <-q.stop:
		return true
	default:
		return false
	}
}

// Run runs events until ctx ends, then returns once the workers stopped.
func (q *Queue) Run(ctx context.Context) {
	if st := q.store.Stats(); st.Depth > 0 {
		q.cfg.Logger.Info("async events from before the start run again", "count", st.Depth, "oldest", st.Oldest)
	}
	q.dispatch(ctx)
	<-ctx.Done()
	q.wg.Wait()
	q.mu.Lock()
	q.closed = true
	left := q.pending
	q.mu.Unlock()
	if left == 0 {
		return
	}
	if _, mem := q.store.(*MemoryStore); mem {
		q.cfg.Logger.Warn("async events dropped at shutdown: queued, not started or waiting for a retry", "count", left)
	} else {
		q.cfg.Logger.Info("async events kept for the next start: queued, not finished or waiting for a retry", "count", left)
	}
}

// dispatch takes due events while workers are free, until Stop or ctx's
// end, and sleeps until the next is due or something changes.
func (q *Queue) dispatch(ctx context.Context) {
	for {
		if q.stopped() || ctx.Err() != nil {
			return
		}
		q.mu.Lock()
		free := q.cfg.Workers - q.running
		q.mu.Unlock()
		if free > 0 {
			evs, err := q.store.Take(q.clock.Now(), free)
			if err != nil {
				q.cfg.Logger.Error("async queue: taking events", "err", err)
			}
			for _, e := range evs {
				q.start(ctx, e)
			}
			free -= len(evs)
		}
		stopTimer := func() bool { return false }
		if next, ok := q.store.NextDue(); ok && free > 0 {
			if d := next.Sub(q.clock.Now()); d > 0 {
				stopTimer = q.clock.AfterFunc(d, q.poke)
			} else {
				q.poke() // due already (put while we took): take again
			}
		}
		select {
		case <-ctx.Done():
		case <-q.stop:
		case <-q.wake:
		}
		stopTimer()
	}
}

// start runs e on a worker of its own.
func (q *Queue) start(ctx context.Context, e AsyncEvent) {
	q.mu.Lock()
	q.running++
	q.mu.Unlock()
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		q.run(ctx, e)
		q.mu.Lock()
		q.running--
		q.mu.Unlock()
		q.poke()
	}()
}

// resolve is the function e runs.
func (q *Queue) resolve(e AsyncEvent) (function.Config, error) {
	if q.cfg.Resolve != nil {
		return q.cfg.Resolve(e.Function, e.Qualifier)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	fn, ok := q.fns[e.ID]
	if !ok {
		return function.Config{}, fmt.Errorf("%w: %s (its configuration was held in memory only)", ErrNoFunction, e.Function)
	}
	return fn, nil
}

func (q *Queue) run(ctx context.Context, e AsyncEvent) {
	log := q.cfg.Logger.With("function", e.Function, "request_id", e.ID)
	fn, err := q.resolve(e)
	if errors.Is(err, ErrNoFunction) {
		log.Warn("async event dropped: its function is gone", "err", err)
		q.done(e)
		return
	}
	cfg := fn.EventInvoke
	if err == nil {
		if age := q.clock.Now().Sub(e.Enqueued); age > cfg.MaxAge() {
			log.Warn("async event dropped: older than the function's MaximumEventAgeInSeconds", "age", age, "max", cfg.MaxAge(), "runs", e.Runs)
			q.deliver(log, cfg.OnFailure(), e, conditionAgeExceeded, nil)
			q.done(e)
			return
		}
		var res Result
		res, err = q.cfg.Invoker.Invoke(ctx, Request{Function: fn, RequestID: e.ID, Qualifier: e.Qualifier, Payload: e.Payload,
			ContentType: e.ContentType, FunctionARN: e.FunctionARN, TraceID: e.TraceID, ClientContext: e.ClientContext, CognitoIdentity: e.CognitoIdentity})
		if err == nil && res.FunctionError() && q.stopped() {
			return // most likely killed by the shutdown: no retry used, it runs again at the next start
		}
		if err == nil {
			q.finish(log, fn, e, res)
			return
		}
	}
	if q.stopped() || ctx.Err() != nil || errors.Is(err, ErrShuttingDown) {
		return // still the store's: a durable one runs it at the next start
	}
	delay := min(q.cfg.Backoff<<min(e.Backoffs, 20), time.Minute)
	log.Warn("async invoke not run; trying again", "err", err, "after", delay)
	e.Backoffs++
	q.reschedule(log, e, delay)
}

// finish acts on a run's result: a retry, or the end and its destination.
func (q *Queue) finish(log *slog.Logger, fn function.Config, e AsyncEvent, res Result) {
	e.Runs++
	e.Backoffs = 0
	cfg := fn.EventInvoke
	switch {
	case res.FunctionError() && e.Attempts < cfg.RetryAttempts():
		delay := q.cfg.RetryDelays[min(e.Attempts, len(q.cfg.RetryDelays)-1)]
		log.Info("async invoke failed; retrying", "error_type", res.ErrorType, "attempt", e.Attempts+1, "after", delay)
		e.Attempts++
		q.reschedule(log, e, delay)
		return
	case res.FunctionError():
		log.Warn("async invoke failed; no retries left", "error_type", res.ErrorType, "runs", e.Runs)
		q.deliver(log, cfg.OnFailure(), e, conditionRetriesExhausted, &res)
	default:
		q.deliver(log, cfg.OnSuccess(), e, conditionSuccess, &res)
	}
	q.done(e)
}

// reschedule makes e due after d.
func (q *Queue) reschedule(log *slog.Logger, e AsyncEvent, d time.Duration) {
	e.Due = q.clock.Now().Add(d)
	if err := q.store.Reschedule(e); err != nil {
		// Still leased here; a durable store runs it at the next start.
		log.Error("async event not rescheduled", "err", err)
	}
	q.poke()
}

// done removes e from the store and its room from the bounds.
func (q *Queue) done(e AsyncEvent) {
	if err := q.store.Done(e.ID); err != nil {
		// It may run again at the next start: at least once.
		q.cfg.Logger.Error("async event not marked done", "request_id", e.ID, "err", err)
	}
	q.release(e)
}
