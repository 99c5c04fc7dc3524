package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lambdad/lambdad/scheduler"
)

// Metrics is the daemon's metrics: a scheduler.Observer, and the registry
// Handler serves.
type Metrics struct {
	reg *prometheus.Registry

	invocations *prometheus.CounterVec   // function, type
	errors      *prometheus.CounterVec   // function, error_type
	throttles   *prometheus.CounterVec   // function, reason
	starts      *prometheus.CounterVec   // function, kind
	evictions   *prometheus.CounterVec   // reason
	duration    *prometheus.HistogramVec // function
	initDur     *prometheus.HistogramVec // function
	phases      *prometheus.HistogramVec // phase

	mu         sync.Mutex
	errorTypes map[string]map[string]bool // mu; by function, the runtime's own error types kept apart
	watched    bool                       // mu; Watch registered the gauges
}

var _ scheduler.Observer = (*Metrics)(nil)

// Buckets, in seconds: an invocation from a millisecond to Lambda's 15
// minutes; an init up to its 10 s; a start's phases from 100 µs.
var (
	durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900}
	initBuckets     = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	phaseBuckets    = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
)

// New makes the metrics and their registry, with the process's Go and
// process collectors; Watch adds the gauges.
func New() *Metrics {
	m := &Metrics{
		reg:        prometheus.NewRegistry(),
		errorTypes: map[string]map[string]bool{},
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lambdad_invocations_total",
			Help: "Invocations that ran or that lambdad failed to run (throttles not counted), by type: sync, event, stream.",
		}, []string{"function", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lambdad_errors_total",
			Help: "Invocations that failed, by Lambda's error type (a function's own types beyond a few count as Unhandled; ServiceException: lambdad could not run it).",
		}, []string{"function", "error_type"}),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lambdad_throttles_total",
			Help: "Invocations refused for want of room, by the limit that was full.",
		}, []string{"function", "reason"}),
		starts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lambdad_starts_total",
			Help: "How invocations got their instance: cold (a sandbox made on demand), spare (a prestarted sandbox), warm (an idle instance), provisioned (an idle provisioned instance).",
		}, []string{"function", "kind"}),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lambdad_evictions_total",
			Help: "Instances destroyed while no invocation held them: idle (the idle timeout), dead (their runtime exited), limits (room for another start), retired (their code or configuration changed).",
		}, []string{"reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lambdad_invocation_duration_seconds",
			Help:    "Invocations' duration, as REPORT's Duration (init not included).",
			Buckets: durationBuckets,
		}, []string{"function"}),
		initDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lambdad_init_duration_seconds",
			Help:    "Runtimes' init, from their process's start to their first GET /next, of cold starts and provisioned instances.",
			Buckets: initBuckets,
		}, []string{"function"}),
		phases: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lambdad_cold_start_phase_seconds",
			Help:    "Starts' phases: create (the sandbox's setup; not on a spare's path), start (the runtime's process), init (the runtime's init).",
			Buckets: phaseBuckets,
		}, []string{"phase"}),
	}
	m.reg.MustRegister(m.invocations, m.errors, m.throttles, m.starts, m.evictions, m.duration, m.initDur, m.phases,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics,
// as the scraper asks).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Registry is where every metric is registered.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }
