package metrics

import (
	"time"

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

// Watch adds the gauges of src; once only (later calls do nothing).
func (m *Metrics) Watch(src Sources) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gauges == nil {
		m.gauges = &gauges{src, time.Now}
	}
}

// gauges reads its sources at each scrape.
type gauges struct {
	src Sources
	now func() time.Time
}

// families are the gauges now.
func (g *gauges) families() []family {
	var fams []family
	if s := g.src.Scheduler; s != nil {
		st := s.Stats()
		sandboxes := family{name: "lambdad_sandboxes", typ: typeGauge,
			help: "Instances by state: starting (launching or in init), busy, idle, provisioned (idle, kept ahead of demand)."}
		for _, s := range []struct {
			state string
			n     int
		}{{"busy", st.Busy}, {"idle", st.Idle}, {"provisioned", st.Provisioned}, {"starting", st.Starting}} {
			sandboxes.samples = append(sandboxes.samples, sample{labels: []label{{"state", s.state}}, value: float64(s.n)})
		}
		fams = append(fams, sandboxes,
			gauge("lambdad_memory_budget_used_bytes", "The MemorySize of every instance, counted against the memory budget.", float64(st.MemoryMB)*(1<<20)))
		if st.MemoryBudgetMB > 0 {
			fams = append(fams, gauge("lambdad_memory_budget_limit_bytes", "The memory budget (--memory-budget); absent without one.", float64(st.MemoryBudgetMB)*(1<<20)))
		}
	}
	if s := g.src.Spares; s != nil {
		fams = append(fams, gauge("lambdad_spares", "Prestarted sandboxes ready for a cold start.", float64(s.Spares())))
	}
	if q := g.src.Queue; q != nil {
		st := q.Stats()
		age := 0.0
		if st.Depth > 0 && !st.Oldest.IsZero() {
			age = max(0, g.now().Sub(st.Oldest).Seconds())
		}
		fams = append(fams,
			gauge("lambdad_async_queue_depth", "Event invocations held: queued, running or waiting for a retry.", float64(st.Depth)),
			gauge("lambdad_async_queue_oldest_age_seconds", "How long ago the oldest Event invocation held was accepted; 0 when none is.", age))
	}
	return fams
}
