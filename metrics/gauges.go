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

// Queue is the async queue as the gauges read it: its store's depth and
// oldest event.
type Queue interface {
	Stats() scheduler.QueueStats
}

var (
	sandboxesDesc = prometheus.NewDesc("lambdad_sandboxes",
		"Instances by state: starting (launching or in init), busy, idle, provisioned (idle, kept ahead of demand).", []string{"state"}, nil)
	sparesDesc = prometheus.NewDesc("lambdad_spares",
		"Prestarted sandboxes ready for a cold start.", nil, nil)
	queueDepthDesc = prometheus.NewDesc("lambdad_async_queue_depth",
		"Event invocations held: queued, running or waiting for a retry.", nil, nil)
	queueAgeDesc = prometheus.NewDesc("lambdad_async_queue_oldest_age_seconds",
		"How long ago the oldest Event invocation held was accepted; 0 when none is.", nil, nil)
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
		st := q.Stats()
		age := 0.0
		if st.Depth > 0 && !st.Oldest.IsZero() {
			age = max(0, g.now().Sub(st.Oldest).Seconds())
		}
		gauge(queueDepthDesc, float64(st.Depth))
		gauge(queueAgeDesc, age)
	}
}
