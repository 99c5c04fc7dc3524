package telemetry

import (
	"encoding/json"
	"math"
	"time"
)

// The records below are the Telemetry API's (schema reference, 2022-12-13),
// field for field: their JSON is what a subscriber receives as "record".
// Optional fields are left out when zero, as Lambda leaves them out.

// InitType is how the sandbox came to be.
type InitType string

const (
	OnDemand               InitType = "on-demand"
	ProvisionedConcurrency InitType = "provisioned-concurrency"
)

// Phase is the phase an init ran in: "invoke" for a suppressed init, one
// Lambda re-ran within an invoke after the init phase failed.
type Phase string

const (
	PhaseInit   Phase = "init"
	PhaseInvoke Phase = "invoke"
)

// Status ends a phase.
type Status string

const (
	StatusSuccess Status = "success"
	StatusFailure Status = "failure"
	StatusError   Status = "error"
	StatusTimeout Status = "timeout"
)

// Span is a timed part of a phase (responseLatency, responseDuration,
// runtimeOverhead of platform.runtimeDone).
type Span struct {
	Name       string
	Start      time.Time
	DurationMs float64
}

// MarshalJSON writes the span as Lambda does, its start in UTC with
// milliseconds.
func (s Span) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name       string  `json:"name"`
		Start      string  `json:"start"`
		DurationMs float64 `json:"durationMs"`
	}{s.Name, formatTime(s.Start), s.DurationMs})
}

// TraceContext is the X-Ray trace of an invoke. Type is always
// "X-Amzn-Trace-Id" ([TracingType]).
type TraceContext struct {
	SpanID string `json:"spanId,omitempty"`
	Type   string `json:"type"`
	Value  string `json:"value"`
}

// TracingType is the only type of a TraceContext.
const TracingType = "X-Amzn-Trace-Id"

// InitStart is platform.initStart: the init phase started.
type InitStart struct {
	InitializationType InitType `json:"initializationType"`
	Phase              Phase    `json:"phase"`
	RuntimeVersion     string   `json:"runtimeVersion,omitempty"`
	RuntimeVersionArn  string   `json:"runtimeVersionArn,omitempty"`
	FunctionName       string   `json:"functionName"`
	FunctionVersion    string   `json:"functionVersion"`
	InstanceID         string   `json:"instanceId,omitempty"`
	// InstanceMaxMemory is the sandbox's memory in bytes.
	InstanceMaxMemory int64 `json:"instanceMaxMemory,omitempty"`
}

// InitRuntimeDone is platform.initRuntimeDone: the runtime's init ended
// (its first GET /next, or its /init/error, or its exit).
type InitRuntimeDone struct {
	InitializationType InitType `json:"initializationType"`
	Phase              Phase    `json:"phase"`
	Status             Status   `json:"status"`
	ErrorType          string   `json:"errorType,omitempty"`
	Spans              []Span   `json:"spans,omitempty"`
}

// InitReport is platform.initReport: the init phase's report.
type InitReport struct {
	InitializationType InitType          `json:"initializationType"`
	Phase              Phase             `json:"phase"`
	Status             Status            `json:"status"`
	ErrorType          string            `json:"errorType,omitempty"`
	Metrics            InitReportMetrics `json:"metrics"`
	Spans              []Span            `json:"spans,omitempty"`
}

// InitReportMetrics are an init's metrics.
type InitReportMetrics struct {
	DurationMs float64 `json:"durationMs"`
}

// Start is platform.start: an invoke started.
type Start struct {
	RequestID string        `json:"requestId"`
	Version   string        `json:"version,omitempty"`
	Tracing   *TraceContext `json:"tracing,omitempty"`
}

// RuntimeDone is platform.runtimeDone: the runtime finished an invoke (its
// response or error, or a timeout, or its exit).
type RuntimeDone struct {
	RequestID string             `json:"requestId"`
	Status    Status             `json:"status"`
	ErrorType string             `json:"errorType,omitempty"`
	Metrics   RuntimeDoneMetrics `json:"metrics"`
	Spans     []Span             `json:"spans,omitempty"`
	Tracing   *TraceContext      `json:"tracing,omitempty"`
}

// RuntimeDoneMetrics are an invoke's metrics as the runtime saw it.
type RuntimeDoneMetrics struct {
	DurationMs    float64 `json:"durationMs"`
	ProducedBytes int64   `json:"producedBytes,omitempty"`
}

// Report is platform.report: an invoke's report, the REPORT line's.
type Report struct {
	RequestID string        `json:"requestId"`
	Status    Status        `json:"status"`
	ErrorType string        `json:"errorType,omitempty"`
	Metrics   ReportMetrics `json:"metrics"`
	Spans     []Span        `json:"spans,omitempty"`
	Tracing   *TraceContext `json:"tracing,omitempty"`
}

// ReportMetrics are an invoke's billed metrics.
type ReportMetrics struct {
	DurationMs       float64 `json:"durationMs"`
	BilledDurationMs int64   `json:"billedDurationMs"`
	MemorySizeMB     int     `json:"memorySizeMB"`
	MaxMemoryUsedMB  int     `json:"maxMemoryUsedMB"`
	// InitDurationMs is set on a cold start's first invoke only.
	InitDurationMs float64 `json:"initDurationMs,omitempty"`
}

// ExtensionEvent is platform.extension: an extension registered (state
// "Ready") or failed.
type ExtensionEvent struct {
	Name      string   `json:"name"`
	State     string   `json:"state"`
	Events    []string `json:"events"`
	ErrorType string   `json:"errorType,omitempty"`
}

// subscriptionRecord is platform.telemetrySubscription and
// platform.logsSubscription.
type subscriptionRecord struct {
	Name  string   `json:"name"`
	State string   `json:"state"`
	Types []string `json:"types"`
}

// logsDroppedRecord is platform.logsDropped.
type logsDroppedRecord struct {
	Reason         string `json:"reason"`
	DroppedRecords int    `json:"droppedRecords"`
	DroppedBytes   int    `json:"droppedBytes"`
}

// Ms is d in milliseconds with two decimals, as Lambda reports durations.
func Ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}

// formatTime is Lambda's timestamp: ISO 8601 in UTC with milliseconds.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
