package metrics

import (
	"errors"
	"strings"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

// Invocation types, the type label.
const (
	typeSync   = "sync"
	typeEvent  = "event"
	typeStream = "stream"
)

// errorService is the error type of an invocation lambdad failed to run
// (a failed launch), as the Invoke API answers it.
const errorService = "ServiceException"

// Invoked counts an invocation, its start, its duration and its error.
func (m *Metrics) Invoked(req scheduler.Request, start scheduler.StartKind, res scheduler.Result, err error) {
	fn := req.Function.Name
	if errors.Is(err, scheduler.ErrThrottled) || errors.Is(err, scheduler.ErrShuttingDown) {
		return // a throttle is counted as one; a stop is no invocation
	}
	typ := typeSync
	switch {
	case req.Stream != nil:
		typ = typeStream
	case req.Async:
		typ = typeEvent
	}
	m.invocations.inc(fn, typ)
	if err != nil {
		m.errors.inc(fn, errorService)
		return
	}
	m.starts.inc(fn, string(start))
	m.duration.observe(res.Duration.Seconds(), fn)
	if res.FunctionError() {
		m.errors.inc(fn, m.errorType(fn, res.ErrorType))
	}
}

// Initialised observes an init and its start's phases.
func (m *Metrics) Initialised(function string, p scheduler.StartPhases) {
	m.initDur.observe(p.Init.Seconds(), function)
	if !p.Spare {
		m.phases.observe(p.Create.Seconds(), "create")
	}
	m.phases.observe(p.Start.Seconds(), "start")
	m.phases.observe(p.Init.Seconds(), "init")
}

// Throttled counts a throttle.
func (m *Metrics) Throttled(function string, reason scheduler.ThrottleReason) {
	m.throttles.inc(function, string(reason))
}

// Evicted counts an eviction.
func (m *Metrics) Evicted(function string, reason scheduler.EvictReason) {
	m.evictions.inc(string(reason))
}

// lambdaErrorType tells whether t is an error type lambdad itself gives:
// always its own label value. (A switch, not a map: a map var would be
// made at package init, on every sandbox start too.)
func lambdaErrorType(t string) bool {
	switch t {
	case lambda.ErrorTypeExit, lambda.ErrorTypeOutOfMemory, lambda.ErrorTypeTimedOut,
		lambda.ErrorTypeInvalidEntry, lambda.ErrorTypeResponseTooLarge, lambda.ErrorTypeUnhandled,
		lambda.ErrorTypeExtensionCrash, lambda.ErrorTypeExtensionLaunch,
		lambda.ErrorTypeTruncatedResponse, lambda.ErrorTypeInvalidResponseMode:
		return true
	}
	return false
}

// maxErrorTypes is how many of its runtime's own error types (errorString,
// ValueError, …) a function keeps apart; later ones count as Unhandled.
const maxErrorTypes = 8

// maxErrorTypeLen bounds an error type's label value, in bytes.
const maxErrorTypeLen = 64

// errorType is the label value of a function error of type t.
func (m *Metrics) errorType(function, t string) string {
	if lambdaErrorType(t) {
		return t
	}
	if len(t) > maxErrorTypeLen {
		t = t[:maxErrorTypeLen]
	}
	t = strings.ToValidUTF8(t, "?")
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := m.errorTypes[function]
	if seen[t] {
		return t
	}
	if len(seen) >= maxErrorTypes {
		return lambda.ErrorTypeUnhandled
	}
	if seen == nil {
		seen = map[string]bool{}
		m.errorTypes[function] = seen
	}
	seen[t] = true
	return t
}
