package scheduler

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// exitGrace is how long a response that raced the runtime's exit may take to
// arrive once the exit is seen. It is real time, not the scheduler's clock:
// it waits for bytes already on their way through a socket, not for a
// deadline of Lambda's.
const exitGrace = 50 * time.Millisecond

// Why an invocation's context ends before its outcome.
var (
	errTimedOut = errors.New("function timed out")
	errExited   = errors.New("runtime exited")
)

// exitNotFound is the in-sandbox init's status when the bootstrap is missing.
const exitNotFound = 127

// Request is one invocation of a resolved function.
type Request struct {
	Function  function.Config
	RequestID string
	// Qualifier is the invoke's qualifier ("" for none), by which an
	// Event invocation's function is looked up again when it runs.
	Qualifier       string
	Payload         []byte
	ContentType     string
	FunctionARN     string
	TraceID         string
	ClientContext   string
	CognitoIdentity string
	// Stream, if set, asks for the response streamed
	// (InvokeWithResponseStream): its body is written to Stream as the
	// runtime posts it, and flushed after each piece if Stream has a Flush
	// method. A runtime that posts its response whole still answers in
	// Payload.
	Stream io.Writer
	// Async: an Event invocation, run by a Queue (for the Observer).
	Async bool
}

// Result is how an invocation ended. A function error is a Result with an
// ErrorType, never a Go error: Go errors mean the function did not run.
type Result struct {
	RequestID    string
	Payload      []byte // the response, or the error document
	ErrorType    string // "" on success
	Log          []byte // the last 4 KB of the invocation's log
	Cold         bool
	InitDuration time.Duration
	Duration     time.Duration
	MaxMemoryMB  int
	// Streamed: the response went to Request.Stream, StreamedBytes of it;
	// Payload is then empty, or the error document of a failure after it
	// began.
	Streamed      bool
	StreamedBytes int64
}

// FunctionError tells whether the function failed.
func (r Result) FunctionError() bool { return r.ErrorType != "" }

// Invoke runs req on an instance of its function and returns the outcome.
// The invocation runs to its end (or its timeout) even if ctx ends first:
// ctx only bounds the wait for a cold start's launch.
func (s *Scheduler) Invoke(ctx context.Context, req Request) (Result, error) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	for attempt := 0; ; attempt++ {
		var start StartKind
		res, retry, err := s.invokeOnce(ctx, req, &start)
		// A warm instance that died before taking the event (say, its runtime
		// exited after its last response) never saw it: run it elsewhere.
		if !retry || attempt == 2 {
			s.observeInvoked(req, start, res, err)
			return res, err
		}
		s.logger.Info("warm sandbox died before taking the event; retrying", "function", req.Function.Name, "request_id", req.RequestID)
	}
}

// invokeOnce runs req once; start is how it got its instance.
func (s *Scheduler) invokeOnce(ctx context.Context, req Request, start *StartKind) (Result, bool, error) {
	sl, err := s.acquire(req.Function)
	if err != nil {
		return Result{}, false, err
	}
	res := Result{RequestID: req.RequestID, Cold: sl.inst == nil}
	if !res.Cold && s.cfg.Observer != nil {
		*start = s.startKind(sl, false)
	}
	if res.Cold {
		var initErr *Result
		began := s.clock.Now()
		initErr, err = s.coldStart(ctx, sl, req)
		res.InitDuration = s.clock.Now().Sub(began)
		if err != nil {
			s.release(sl, false)
			return Result{}, false, err
		}
		*start = s.startKind(sl, true)
		if initErr != nil {
			initErr.Cold, initErr.InitDuration = true, res.InitDuration
			s.report(sl, req, initErr, "error")
			s.release(sl, false)
			return *initErr, false, nil
		}
	}
	if !res.Cold && s.cfg.FreezeIdle {
		if err := sl.inst.Thaw(); err != nil {
			s.logger.Warn("thaw failed; the sandbox is replaced", "function", req.Function.Name, "sandbox", sl.inst.ID(), "err", err)
			s.release(sl, false)
			return Result{}, true, nil
		}
	}
	healthy, retry, after := s.run(sl, req, &res)
	if after != nil {
		// The caller has its response now; the instance is busy until its
		// extensions are done with the invocation, as on Lambda.
		res.Log = sl.inst.Log().Tail()
		s.inflight.Add(1)
		go func() {
			defer s.inflight.Done()
			s.finish(sl, req, after())
		}()
		return res, retry, nil
	}
	s.finish(sl, req, healthy)
	return res, retry, nil
}

// finish ends an invocation's hold on sl: frozen (FreezeIdle) and back to
// the idle pool if healthy, else destroyed.
func (s *Scheduler) finish(sl *slot, req Request, healthy bool) {
	if healthy && s.cfg.FreezeIdle {
		if err := sl.inst.Freeze(); err != nil {
			s.logger.Warn("freeze failed; the sandbox is destroyed", "function", req.Function.Name, "sandbox", sl.inst.ID(), "err", err)
			healthy = false
		}
	}
	s.release(sl, healthy)
}

// coldStart launches an instance into sl and waits for its init. A failed
// init is a function error (the *Result); a failed launch is a Go error.
func (s *Scheduler) coldStart(ctx context.Context, sl *slot, req Request) (*Result, error) {
	inst, err := s.cfg.Launcher.Launch(ctx, LaunchRequest{Function: req.Function})
	if err != nil {
		return nil, fmt.Errorf("start sandbox for %s: %w", req.Function.Name, err)
	}
	s.mu.Lock()
	sl.inst = inst
	s.registerLocked(sl)
	s.mu.Unlock()
	inst.Log().Begin(req.RequestID)

	launched := s.clock.Now()
	failed, err := s.awaitInit(inst)
	phases := phasesOf(inst, s.clock.Now().Sub(launched))
	s.observeInitialised(req.Function.Name, phases)
	// What a slow cold start spent its time on, beside its REPORT.
	s.logger.Debug("cold start", "function", req.Function.Name, "sandbox", inst.ID(), "request_id", req.RequestID,
		"spare", phases.Spare, "create", phases.Create, "start", phases.Start, "init", phases.Init, "failed", err != nil || failed != nil)
	if err == nil && failed == nil {
		s.mu.Lock()
		sl.initialised = true
		s.mu.Unlock()
	}
	if err != nil || failed == nil {
		if err != nil {
			err = fmt.Errorf("init of %s: %w", req.Function.Name, err)
		}
		return nil, err
	}
	if failed.body != nil { // the runtime's own /init/error, unchanged
		return &Result{RequestID: req.RequestID, ErrorType: failed.errorType, Payload: failed.body}, nil
	}
	r := errorResult(req, failed.errorType, failed.message)
	return &r, nil
}

// run hands the event to the instance and fills res; it reports whether the
// instance can serve again, and whether a warm instance died before it took
// the event (then res means nothing and the event should run elsewhere).
// With extensions, the invocation goes on after the runtime's outcome:
// after, if not nil, waits for them, writes END and REPORT and reports
// whether the instance can serve again.
func (s *Scheduler) run(sl *slot, req Request, res *Result) (healthy, retry bool, after func() bool) {
	inst := sl.inst
	log := inst.Log()
	if !res.Cold {
		log.Begin(req.RequestID)
	}
	version := cmp.Or(req.Function.Version, function.LatestVersion)
	s.logStart(log, req, version)
	start := s.clock.Now()
	timeout := req.Function.TimeoutDuration()

	// The invocation runs on this goroutine: the timeout and the runtime's
	// exit (after a grace for an answer that raced it) end it through ctx,
	// with no goroutine of its own between the Runtime API and the caller.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stopTimer := s.clock.AfterFunc(timeout, func() { cancel(errTimedOut) })
	defer stopTimer()
	// (Once the invocation is over, the grace's cancel is a no-op.)
	stopWatch := context.AfterFunc(sl.exitContext(), func() {
		time.AfterFunc(exitGrace, func() { cancel(errExited) })
	})
	defer stopWatch()
	var streamed streamCount
	r, err := inst.Invoke(ctx, Event{
		RequestID:       req.RequestID,
		Payload:         req.Payload,
		ContentType:     req.ContentType,
		Deadline:        start.Add(timeout),
		FunctionARN:     req.FunctionARN,
		TraceID:         req.TraceID,
		ClientContext:   req.ClientContext,
		CognitoIdentity: req.CognitoIdentity,
		Stream:          streamed.wrap(req.Stream),
	})
	exited := dead(inst)

	healthy, status := !exited, ""
	switch cause := context.Cause(ctx); {
	case err != nil && errors.Is(cause, errTimedOut):
		if !inst.Extensions() {
			inst.Kill() // with extensions, Destroy's shutdown phase stops the runtime
		}
		healthy, status = false, "timeout"
		*res = mergeError(*res, errorResult(req, lambda.ErrorTypeTimedOut,
			fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())))
	case err != nil && exited:
		if errors.Is(err, ErrNotDelivered) && !res.Cold {
			return false, true, nil
		}
		status = "error"
		*res = mergeError(*res, s.exitResult(inst, req))
	case err != nil:
		var ie *InitError
		if errors.As(err, &ie) {
			res.ErrorType, res.Payload = ie.ErrorType, ie.Body
		} else {
			*res = mergeError(*res, errorResult(req, lambda.ErrorTypeExit, "Runtime failed: "+err.Error()))
		}
		healthy, status = false, "error"
	case r.Kind == Responded:
		res.Payload = r.Body
	case r.Kind == ResponseTooLarge:
		res.ErrorType, res.Payload = lambda.ErrorTypeResponseTooLarge, r.Body
		healthy, status = false, "error" // aws-lambda-go exits on the 413
	default:
		res.ErrorType, res.Payload = r.ErrorType, r.Body
		if res.ErrorType == "" {
			res.ErrorType = lambda.ErrorTypeUnhandled
		}
		status = "error"
	}
	if exited && status == "" && inst.Exit().Extension != "" {
		// The runtime answered, but an extension crashed in the invocation:
		// it failed, as on Lambda.
		status = "error"
		*res = mergeError(*res, s.exitResult(inst, req))
	}
	streamed.apply(res)
	res.Duration = s.clock.Now().Sub(start)
	if healthy && inst.Extensions() {
		post := *res
		return true, false, func() bool { return s.afterRuntime(sl, req, post, start, status) }
	}
	s.report(sl, req, res, status)
	return healthy, false, nil
}

// afterRuntime waits, within the function's timeout, until the instance's
// extensions are done with the invocation whose runtime answered res, then
// writes END and REPORT: the invocation's Duration counts the extensions'
// time, as Lambda's does. It reports whether the instance can serve again.
func (s *Scheduler) afterRuntime(sl *slot, req Request, res Result, start time.Time, status string) bool {
	timeout := req.Function.TimeoutDuration()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if left := start.Add(timeout).Sub(s.clock.Now()); left > 0 {
		stopTimer := s.clock.AfterFunc(left, func() { cancel(errTimedOut) })
		defer stopTimer()
	} else {
		cancel(errTimedOut)
	}
	stopWatch := context.AfterFunc(sl.exitContext(), func() { cancel(errExited) })
	defer stopWatch()
	err := sl.inst.AwaitExtensions(ctx)
	healthy := err == nil
	switch cause := context.Cause(ctx); {
	case err == nil:
	case errors.Is(cause, errTimedOut):
		status = "timeout"
		res = mergeError(res, errorResult(req, lambda.ErrorTypeTimedOut,
			fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())))
	default:
		status = "error"
		res = mergeError(res, s.exitResult(sl.inst, req))
	}
	res.Duration = s.clock.Now().Sub(start)
	s.report(sl, req, &res, status)
	return healthy
}

// exitResult explains a runtime that exited mid-invoke.
func (s *Scheduler) exitResult(inst Instance, req Request) Result {
	exit := inst.Exit()
	if exit.Extension != "" {
		return errorResult(req, lambda.ErrorTypeExtensionCrash, exitMessage(exit))
	}
	if exit.OOMKilled {
		return errorResult(req, lambda.ErrorTypeOutOfMemory, "Runtime exited with error: signal: killed")
	}
	return errorResult(req, lambda.ErrorTypeExit, exitMessage(exit))
}

func exitMessage(exit Exit) string {
	if exit.Extension != "" {
		return "Extension exited with error: " + exit.String()
	}
	if exit.clean() {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + exit.String()
}

// errorResult is a Lambda error document for a failure lambdad observed.
func errorResult(req Request, errorType, message string) Result {
	body, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{errorType, fmt.Sprintf("RequestId: %s Error: %s", req.RequestID, message)})
	return Result{RequestID: req.RequestID, ErrorType: errorType, Payload: body}
}

func mergeError(res, e Result) Result {
	res.ErrorType, res.Payload = e.ErrorType, e.Payload
	return res
}
