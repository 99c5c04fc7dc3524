package scheduler

import (
	"encoding/json"
	"math"
	"time"
)

// lambdad's own lines of an invocation, in the function's LoggingConfig:
// Lambda's text lines (START, END, REPORT), or in JSON the records Lambda
// writes to CloudWatch Logs instead (platform.start, platform.runtimeDone,
// platform.report), or nothing with SystemLogLevel WARN (they are INFO).

// logStart writes START.
func (s *Scheduler) logStart(log *Log, req Request, version string) {
	lc := req.Function.Logging
	switch {
	case !lc.SystemInfo():
	case lc.JSON():
		log.Printf("%s", platformRecord(s.clock.Now(), "platform.start", startRecord{RequestID: req.RequestID, Version: version}))
	case req.Function.RunsOn != "":
		// lambdad's own field, after Lambda's, says what really runs.
		log.Printf("START RequestId: %s Version: %s\tRuntime: %s", req.RequestID, version, req.Function.RunsOn)
	default:
		log.Printf("START RequestId: %s Version: %s", req.RequestID, version)
	}
}

// logEnd writes END and REPORT.
func (s *Scheduler) logEnd(log *Log, req Request, res *Result, status string) {
	lc := req.Function.Logging
	switch {
	case !lc.SystemInfo():
	case lc.JSON():
		now := s.clock.Now()
		st := platformStatus(status)
		m := reportMetrics{DurationMs: durationMs(res.Duration), MemorySizeMB: req.Function.MemorySize, MaxMemoryUsedMB: res.MaxMemoryMB}
		m.BilledDurationMs = int(math.Ceil(m.DurationMs))
		if res.Cold {
			m.InitDurationMs = durationMs(res.InitDuration)
		}
		var errType string
		if status == "error" {
			errType = res.ErrorType
		}
		log.Lines(
			platformRecord(now, "platform.runtimeDone", runtimeDoneRecord{RequestID: req.RequestID, Status: st, ErrorType: errType,
				Metrics: runtimeDoneMetrics{DurationMs: m.DurationMs}}),
			platformRecord(now, "platform.report", reportRecord{RequestID: req.RequestID, Metrics: m, Status: st, ErrorType: errType}))
	default:
		log.Lines("END RequestId: "+req.RequestID, reportLine(req, res, status))
	}
}

// platformStatus is a REPORT status as the platform records name it.
func platformStatus(status string) string {
	if status == "" {
		return "success"
	}
	return status
}

func durationMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// platformRecord is one of Lambda's JSON platform records.
func platformRecord(at time.Time, typ string, record any) string {
	b, _ := json.Marshal(struct {
		Time   string `json:"time"`
		Type   string `json:"type"`
		Record any    `json:"record"`
	}{at.UTC().Format("2006-01-02T15:04:05.000Z07:00"), typ, record})
	return string(b)
}

type startRecord struct {
	RequestID string `json:"requestId"`
	Version   string `json:"version"`
}

type runtimeDoneRecord struct {
	RequestID string             `json:"requestId"`
	Status    string             `json:"status"`
	ErrorType string             `json:"errorType,omitempty"`
	Metrics   runtimeDoneMetrics `json:"metrics"`
}

type runtimeDoneMetrics struct {
	DurationMs float64 `json:"durationMs"`
}

type reportRecord struct {
	RequestID string        `json:"requestId"`
	Metrics   reportMetrics `json:"metrics"`
	Status    string        `json:"status"`
	ErrorType string        `json:"errorType,omitempty"`
}

type reportMetrics struct {
	DurationMs       float64 `json:"durationMs"`
	BilledDurationMs int     `json:"billedDurationMs"`
	MemorySizeMB     int     `json:"memorySizeMB"`
	MaxMemoryUsedMB  int     `json:"maxMemoryUsedMB"`
	InitDurationMs   float64 `json:"initDurationMs,omitempty"`
}
