package telemetry

import (
	"bytes"
	"encoding/json"
	"time"
)

// Event types, as the "type" of a record.
const (
	typeInitStart             = "platform.initStart"
	typeInitRuntimeDone       = "platform.initRuntimeDone"
	typeInitReport            = "platform.initReport"
	typeStart                 = "platform.start"
	typeRuntimeDone           = "platform.runtimeDone"
	typeReport                = "platform.report"
	typeEnd                   = "platform.end" // Logs API only
	typeFault                 = "platform.fault"
	typeExtension             = "platform.extension"
	typeTelemetrySubscription = "platform.telemetrySubscription"
	typeLogsSubscription      = "platform.logsSubscription"
	typeLogsDropped           = "platform.logsDropped"
	typeFunction              = "function"
	typeExtensionLog          = "extension"
)

// InitStart emits platform.initStart (Telemetry API only).
func (h *Hub) InitStart(t time.Time, r InitStart) {
	h.emit(t, classPlatform, telemetryOnly(typeInitStart, r))
}

// InitRuntimeDone emits platform.initRuntimeDone (Telemetry API only).
func (h *Hub) InitRuntimeDone(t time.Time, r InitRuntimeDone) {
	h.emit(t, classPlatform, telemetryOnly(typeInitRuntimeDone, r))
}

// InitReport emits platform.initReport (Telemetry API only).
func (h *Hub) InitReport(t time.Time, r InitReport) {
	h.emit(t, classPlatform, telemetryOnly(typeInitReport, r))
}

// Start emits platform.start; the Logs API's has the request id and
// version only.
func (h *Hub) Start(t time.Time, r Start) {
	h.emit(t, classPlatform, func(e encoding) []record {
		if e.api() == Logs {
			return []record{{typeStart, logsStart{r.RequestID, r.Version}}}
		}
		return []record{{typeStart, r}}
	})
}

// RuntimeDone emits platform.runtimeDone; of the Logs API only to schema
// 2021-03-18's subscribers, as {requestId, status}.
func (h *Hub) RuntimeDone(t time.Time, r RuntimeDone) {
	h.emit(t, classPlatform, func(e encoding) []record {
		switch e {
		case encLogs:
			return nil
		case encLogsRuntimeDone:
			return []record{{typeRuntimeDone, logsRuntimeDone{r.RequestID, logsStatus(r.Status)}}}
		}
		return []record{{typeRuntimeDone, r}}
	})
}

// Report emits platform.report. The Logs API gets platform.end, then its
// own platform.report: {requestId, metrics, tracing?}.
func (h *Hub) Report(t time.Time, r Report) {
	h.emit(t, classPlatform, func(e encoding) []record {
		if e.api() == Logs {
			return []record{
				{typeEnd, logsEnd{r.RequestID}},
				{typeReport, logsReport{r.RequestID, r.Metrics, r.Tracing}},
			}
		}
		return []record{{typeReport, r}}
	})
}

// Extension emits platform.extension, the same in both APIs.
func (h *Hub) Extension(t time.Time, r ExtensionEvent) {
	if r.Events == nil {
		r.Events = []string{}
	}
	h.emit(t, classPlatform, func(encoding) []record { return []record{{typeExtension, r}} })
}

// Fault emits the Logs API's platform.fault, a text record such as
// "RequestId: … Process exited before completing request". The Telemetry
// API has no such event: its platform.runtimeDone and platform.report say
// it.
func (h *Hub) Fault(t time.Time, text string) {
	h.emit(t, classPlatform, func(e encoding) []record {
		if e.api() != Logs {
			return nil
		}
		return []record{{typeFault, text}}
	})
}

// Log emits one line of a function's or an extension's output, without its
// newline. Its record is the line as a string; for a Telemetry subscriber of
// schema 2022-12-13 or later, a line that is a JSON object (Lambda's JSON
// log format) is that object.
func (h *Hub) Log(t time.Time, s Stream, line []byte) {
	c, typ := classFunction, typeFunction
	if s == Extension {
		c, typ = classExtension, typeExtensionLog
	}
	h.emit(t, c, func(e encoding) []record {
		if e == encTelemetryObject {
			if obj := jsonObject(line); obj != nil {
				return []record{{typ, obj}}
			}
		}
		return []record{{typ, string(line)}}
	})
}

// telemetryOnly is an event of the Telemetry API that the Logs API does not
// have.
func telemetryOnly(typ string, r any) func(encoding) []record {
	return func(e encoding) []record {
		if e.api() == Logs {
			return nil
		}
		return []record{{typ, r}}
	}
}

// jsonObject is line compacted if it is one JSON object, else nil.
func jsonObject(line []byte) json.RawMessage {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, trimmed) != nil {
		return nil
	}
	return b.Bytes()
}

// The Logs API's thinner records.
type (
	logsStart struct {
		RequestID string `json:"requestId"`
		Version   string `json:"version,omitempty"`
	}
	logsEnd struct {
		RequestID string `json:"requestId"`
	}
	logsRuntimeDone struct {
		RequestID string `json:"requestId"`
		Status    Status `json:"status"`
	}
	logsReport struct {
		RequestID string        `json:"requestId"`
		Metrics   ReportMetrics `json:"metrics"`
		Tracing   *TraceContext `json:"tracing,omitempty"`
	}
)

// logsStatus is a status of the Logs API, which knows success, failure and
// timeout only.
func logsStatus(s Status) Status {
	if s == StatusError {
		return StatusFailure
	}
	return s
}
