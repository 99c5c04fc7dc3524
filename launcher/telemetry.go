package launcher

import (
	"cmp"
	"context"
	"errors"
	"math"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/telemetry"
)

// What an instance tells its extensions' Telemetry API subscriptions: the
// platform events of its init and of each invocation, as Lambda emits
// them, and its output (the Logs hand each line over, scheduler.Log's tee).

// observer is an instance's telemetry: its hub and what its events say.
type observer struct {
	hub         *telemetry.Hub
	fn          function.Config
	initType    telemetry.InitType
	initStart   time.Time
	invokeStart time.Time // of the invocation in flight
	trace       *telemetry.TraceContext
}

func newObserver(hub *telemetry.Hub, fn function.Config, provisioned bool) *observer {
	o := &observer{hub: hub, fn: fn, initType: telemetry.OnDemand, initStart: time.Now()}
	if provisioned {
		o.initType = telemetry.ProvisionedConcurrency
	}
	return o
}

// initDone emits the init phase's events once it ended with err: they are
// emitted at its end, when the extensions have subscribed, with the times
// they happened.
func (o *observer) initDone(api *runtimeapi.Server, err error) {
	if !o.hub.Subscribed() {
		return
	}
	now := time.Now()
	o.hub.InitStart(o.initStart, telemetry.InitStart{
		InitializationType: o.initType, Phase: telemetry.PhaseInit,
		FunctionName: o.fn.Name, FunctionVersion: cmp.Or(o.fn.Version, function.LatestVersion),
		RuntimeVersion: o.fn.Runtime, InstanceMaxMemory: int64(o.fn.MemorySize) << 20,
	})
	for _, e := range api.Registered() {
		o.hub.Extension(o.initStart, telemetry.ExtensionEvent{Name: e.Name, State: "Ready", Events: e.Events})
	}
	status, errorType := telemetry.StatusSuccess, ""
	var ie *runtimeapi.InitError
	switch {
	case errors.As(err, &ie):
		status, errorType = telemetry.StatusError, ie.ErrorType
	case err != nil:
		status = telemetry.StatusFailure
	}
	o.hub.InitRuntimeDone(now, telemetry.InitRuntimeDone{InitializationType: o.initType, Phase: telemetry.PhaseInit, Status: status, ErrorType: errorType})
	o.hub.InitReport(now, telemetry.InitReport{InitializationType: o.initType, Phase: telemetry.PhaseInit, Status: status, ErrorType: errorType,
		Metrics: telemetry.InitReportMetrics{DurationMs: telemetry.Ms(now.Sub(o.initStart))}})
}

// start emits platform.start of ev.
func (o *observer) start(ev scheduler.Event) {
	o.invokeStart, o.trace = time.Now(), nil
	if ev.TraceID != "" {
		o.trace = &telemetry.TraceContext{Type: telemetry.TracingType, Value: ev.TraceID}
	}
	if !o.hub.Subscribed() {
		return
	}
	o.hub.Start(o.invokeStart, telemetry.Start{RequestID: ev.RequestID, Version: cmp.Or(o.fn.Version, function.LatestVersion), Tracing: o.trace})
}

// runtimeDone emits platform.runtimeDone of the invocation the runtime
// ended with r, or err.
func (o *observer) runtimeDone(ctx context.Context, requestID string, r runtimeapi.Result, err error) {
	if !o.hub.Subscribed() {
		return
	}
	now := time.Now()
	status, errorType := telemetry.StatusSuccess, ""
	switch {
	case err != nil && ctx.Err() != nil:
		status = telemetry.StatusTimeout
	case err != nil:
		status = telemetry.StatusFailure
	case r.Outcome != runtimeapi.Response:
		status, errorType = telemetry.StatusError, r.ErrorType
	}
	d := now.Sub(o.invokeStart)
	o.hub.RuntimeDone(now, telemetry.RuntimeDone{
		RequestID: requestID, Status: status, ErrorType: errorType,
		Metrics: telemetry.RuntimeDoneMetrics{DurationMs: telemetry.Ms(d), ProducedBytes: int64(len(r.Body))},
		Spans: []telemetry.Span{
			{Name: "responseLatency", Start: o.invokeStart, DurationMs: telemetry.Ms(d)},
			{Name: "responseDuration", Start: now, DurationMs: 0},
		},
		Tracing: o.trace,
	})
}

// report emits platform.report: the REPORT line's.
func (o *observer) report(r scheduler.Report) {
	if !o.hub.Subscribed() {
		return
	}
	status := telemetry.StatusSuccess
	switch r.Status {
	case "timeout":
		status = telemetry.StatusTimeout
	case "error":
		status = telemetry.StatusError
	}
	ms := telemetry.Ms(r.Duration)
	m := telemetry.ReportMetrics{DurationMs: ms, BilledDurationMs: int64(math.Ceil(ms)), MemorySizeMB: r.MemoryMB, MaxMemoryUsedMB: r.MaxMemoryMB}
	if r.Cold {
		m.InitDurationMs = telemetry.Ms(r.InitDuration)
	}
	o.hub.Report(time.Now(), telemetry.Report{RequestID: r.RequestID, Status: status, ErrorType: r.ErrorType, Metrics: m, Tracing: o.trace})
}
