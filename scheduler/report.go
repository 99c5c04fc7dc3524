package scheduler

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// report writes END and REPORT and takes the invocation's log tail.
func (s *Scheduler) report(sl *slot, req Request, res *Result, status string) {
	log := sl.inst.Log()
	if peak, err := sl.inst.PeakMemory(); err == nil {
		res.MaxMemoryMB = int(math.Ceil(float64(peak) / (1 << 20)))
	}
	s.logEnd(log, req, res, status)
	res.Log = log.Tail()
	if r, ok := sl.inst.(Reporter); ok {
		r.Report(Report{RequestID: req.RequestID, Status: status, ErrorType: res.ErrorType, Duration: res.Duration,
			MemoryMB: req.Function.MemorySize, MaxMemoryMB: res.MaxMemoryMB, Cold: res.Cold, InitDuration: res.InitDuration})
	}
}

// Reporter is an Instance that wants each invocation's REPORT, as Lambda's
// Telemetry API's platform.report carries it.
type Reporter interface {
	Report(Report)
}

// Report is an invocation's REPORT line, as data.
type Report struct {
	RequestID string
	Status    string // "", "timeout" or "error"
	ErrorType string
	Duration  time.Duration
	MemoryMB  int
	// MaxMemoryMB is the most memory the instance used; InitDuration, for
	// a cold start's first invocation, its init.
	MaxMemoryMB  int
	Cold         bool
	InitDuration time.Duration
}

// reportLine is Lambda's REPORT line (tab-separated).
func reportLine(req Request, res *Result, status string) string {
	ms := float64(res.Duration.Microseconds()) / 1000
	f := []string{
		"REPORT RequestId: " + req.RequestID,
		fmt.Sprintf("Duration: %.2f ms", ms),
		fmt.Sprintf("Billed Duration: %d ms", int(math.Ceil(ms))),
		fmt.Sprintf("Memory Size: %d MB", req.Function.MemorySize),
		fmt.Sprintf("Max Memory Used: %d MB", res.MaxMemoryMB),
	}
	if res.Cold {
		f = append(f, fmt.Sprintf("Init Duration: %.2f ms", float64(res.InitDuration.Microseconds())/1000))
	}
	switch status {
	case "timeout":
		f = append(f, "Status: timeout")
	case "error":
		f = append(f, "Status: error", "Error Type: "+res.ErrorType)
	}
	return strings.Join(f, "\t")
}
