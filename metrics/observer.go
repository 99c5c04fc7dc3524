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
	m.invocations.WithLabelValues(fn, typ).Inc()
	if err != nil {
		m.errors.WithLabelValues(fn, errorService).Inc()
		return
	}
	m.starts.WithLabelValues(fn, string(start)).Inc()
	m.duration.WithLabelValues(fn).Observe(res.Duration.Seconds())
	if res.FunctionError() {
		m.errors.WithLabelValues(fn, m.errorType(fn, res.ErrorType)).Inc()
	}
}

// Initialised observes an init and its start's phases.
func (m *Metrics) Initialised(function string, p scheduler.StartPhases) {
	m.initDur.WithLabelValues(function).Observe(p.Init.Seconds())
	if !p.Spare {
		m.phases.WithLabelValues("create").Observe(p.Create.Seconds())
	}
	m.phases.WithLabelValues("start").Observe(p.Start.Seconds())
	m.phases.WithLabelValues("init").Observe(p.Init.Seconds())
}

// Throttled counts a throttle.
func (m *Metrics) Throttled(function string, reason scheduler.ThrottleReason) {
	m.throttles.WithLabelValues(function, string(reason)).Inc()
}

// Evicted counts an eviction.
func (m *Metrics) Evicted(function string, reason scheduler.EvictReason) {
	m.evictions.WithLabelValues(string(reason)).Inc()
}

// lambdaErrorTypes are the error types lambdad itself gives: always
// their own label value.
var lambdaErrorTypes = map[string]bool{
	lambda.ErrorTypeExit: true, lambda.ErrorTypeOutOfMemory: true, lambda.ErrorTypeTimedOut: true,
	lambda.ErrorTypeInvalidEntry: true, lambda.ErrorTypeResponseTooLarge: true, lambda.ErrorTypeUnhandled: true,
	lambda.ErrorTypeExtensionCrash: true, lambda.ErrorTypeExtensionLaunch: true,
	lambda.ErrorTypeTruncatedResponse: true, lambda.ErrorTypeInvalidResponseMode: true,
}

// maxErrorTypes is how many of its runtime's own error types (errorString,
// ValueError, …) a function keeps apart; later ones count as Unhandled.
const maxErrorTypes = 8

// maxErrorTypeLen bounds an error type's label value, in bytes.
const maxErrorTypeLen = 64

// errorType is the label value of a function error of type t.
func (m *Metrics) errorType(function, t string) string {
	if lambdaErrorTypes[t] {
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
