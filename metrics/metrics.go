package metrics

import (
	"sync"

	"github.com/lambdad/lambdad/scheduler"
)

// Metrics is the daemon's metrics: a scheduler.Observer, and what Handler
// serves.
type Metrics struct {
	invocations *vec // function, type
	errors      *vec // function, error_type
	throttles   *vec // function, reason
	starts      *vec // function, kind
	evictions   *vec // reason
	duration    *vec // histogram; function
	initDur     *vec // histogram; function
	phases      *vec // histogram; phase

	mu         sync.Mutex
	errorTypes map[string]map[string]bool // mu; by function, the runtime's own error types kept apart
	gauges     *gauges                    // mu; Watch's, nil before
}

var _ scheduler.Observer = (*Metrics)(nil)

// Buckets, in seconds: an invocation from a millisecond to Lambda's 15
// minutes; an init up to its 10 s; a start's phases from 100 µs.
var (
	durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900}
	initBuckets     = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	phaseBuckets    = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
)

// New makes the metrics, with the process's Go and process metrics;
// Watch adds the gauges.
func New() *Metrics {
	return &Metrics{
		errorTypes: map[string]map[string]bool{},
		invocations: newCounterVec("lambdad_invocations_total",
			"Invocations that ran or that lambdad failed to run (throttles not counted), by type: sync, event, stream.",
			"function", "type"),
		errors: newCounterVec("lambdad_errors_total",
			"Invocations that failed, by Lambda's error type (a function's own types beyond a few count as Unhandled; ServiceException: lambdad could not run it).",
			"function", "error_type"),
		throttles: newCounterVec("lambdad_throttles_total",
			"Invocations refused for want of room, by the limit that was full.",
			"function", "reason"),
		starts: newCounterVec("lambdad_starts_total",
			"How invocations got their instance: cold (a sandbox made on demand), spare (a prestarted sandbox), warm (an idle instance), provisioned (an idle provisioned instance).",
			"function", "kind"),
		evictions: newCounterVec("lambdad_evictions_total",
			"Instances destroyed while no invocation held them: idle (the idle timeout), dead (their runtime exited), limits (room for another start), retired (their code or configuration changed).",
			"reason"),
		duration: newHistogramVec("lambdad_invocation_duration_seconds",
			"Invocations' duration, as REPORT's Duration (init not included).",
			durationBuckets, "function"),
		initDur: newHistogramVec("lambdad_init_duration_seconds",
			"Runtimes' init, from their process's start to their first GET /next, of cold starts and provisioned instances.",
			initBuckets, "function"),
		phases: newHistogramVec("lambdad_cold_start_phase_seconds",
			"Starts' phases: create (the sandbox's setup; not on a spare's path), start (the runtime's process), init (the runtime's init).",
			phaseBuckets, "phase"),
	}
}

// collect is every family now.
func (m *Metrics) collect() []family {
	var fams []family
	for _, v := range []*vec{m.invocations, m.errors, m.throttles, m.starts, m.evictions, m.duration, m.initDur, m.phases} {
		fams = append(fams, v.family())
	}
	m.mu.Lock()
	g := m.gauges
	m.mu.Unlock()
	if g != nil {
		fams = append(fams, g.families()...)
	}
	fams = append(fams, goFamilies()...)
	return append(fams, processFamilies()...)
}
