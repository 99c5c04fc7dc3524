package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lambdad/lambdad/scheduler"
)

// Sources are what the gauges read at each scrape; a nil one is left out.
type Sources struct {
	Scheduler interface{ Stats() scheduler.Stats }
	Spares    interface{ Spares() int } // spares ready (the launcher)
	Queue     Queue                     // the async queue
}

// Queue is the async queue as the gauges read it.
type Queue interface {
	Pending() int // events queued or waiting for a retry
}

// QueueAge is a Queue that knows when its oldest pending event was
// accepted (ok false: none is pending); without it, no age is exposed.
type QueueAge interface {
	OldestPending() (accepted time.Time, ok bool)
}

var (
	sandboxesDesc = prometheus.NewDesc("lambdad_sandboxes",
		"Instances by state: starting (launching or in init), busy, idle, provisioned (idle, kept ahead of demand).", []string{"state"}, nil)
	sparesDesc = prometheus.NewDesc("lambdad_spares",
		"Prestarted sandboxes ready for a cold start.", nil, nil)
	queueDepthDesc = prometheus.NewDesc("lambdad_async_queue_depth",
		"Event invocations queued or waiting for a retry.", nil, nil)
	queueAgeDesc = prometheus.NewDesc("lambdad_async_queue_oldest_age_seconds",
		"How long the oldest pending Event invocation has waited.", nil, nil)
	memoryUsedDesc = prometheus.NewDesc("lambdad_memory_budget_used_bytes",
		"The MemorySize of every instance, counted against the memory budget.", nil, nil)
	memoryLimitDesc = prometheus.NewDesc("lambdad_memory_budget_limit_bytes",
		"The memory budget (--memory-budget); absent without one.", nil, nil)
)

// Watch adds the gauges of src; once only (later calls do nothing).
func (m *Metrics) Watch(src Sources) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.watched {
		return
	}
	m.watched = true
	m.reg.MustRegister(gauges{src, time.Now})
}

// gauges reads its sources at each scrape.
type gauges struct {
	src Sources
	now func() time.Time
}

func (g gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sandboxesDesc, sparesDesc, queueDepthDesc, queueAgeDesc, memoryUsedDesc, memoryLimitDesc} {
		ch <- d
	}
}

func (g gauges) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s := g.src.Scheduler; s != nil {
		st := s.Stats()
		gauge(sandboxesDesc, float64(st.Starting), "starting")
		gauge(sandboxesDesc, float64(st.Busy), "busy")
		gauge(sandboxesDesc, float64(st.Idle), "idle")
		gauge(sandboxesDesc, float64(st.Provisioned), "provisioned")
		gauge(memoryUsedDesc, float64(st.MemoryMB)*(1<<20))
		if st.MemoryBudgetMB > 0 {
			gauge(memoryLimitDesc, float64(st.MemoryBudgetMB)*(1<<20))
		}
	}
	if s := g.src.Spares; s != nil {
		gauge(sparesDesc, float64(s.Spares()))
	}
	if q := g.src.Queue; q != nil {
		gauge(queueDepthDesc, float64(q.Pending()))
		if qa, ok := q.(QueueAge); ok {
			age := 0.0
			if t, ok := qa.OldestPending(); ok {
				age = max(0, g.now().Sub(t).Seconds())
			}
			gauge(queueAgeDesc, age)
		}
	}
}
