package metrics

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

func req(name string) scheduler.Request {
	return scheduler.Request{Function: function.Config{Name: name}}
}

// scrape is the handler's text, as Prometheus reads it.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestInvocations(t *testing.T) {
	m := New()
	ev := req("f")
	ev.Async = true
	st := req("f")
	st.Stream = io.Discard
	m.Invoked(req("f"), scheduler.StartCold, scheduler.Result{Duration: 20 * time.Millisecond}, nil)
	m.Invoked(req("f"), scheduler.StartWarm, scheduler.Result{ErrorType: lambda.ErrorTypeTimedOut, Duration: time.Second}, nil)
	m.Invoked(ev, scheduler.StartSpare, scheduler.Result{ErrorType: "errorString"}, nil)
	m.Invoked(st, scheduler.StartProvisioned, scheduler.Result{}, nil)
	m.Invoked(req("f"), "", scheduler.Result{}, errors.New("start sandbox: no room on disk"))
	m.Invoked(req("f"), "", scheduler.Result{}, fmt.Errorf("%w: reserved", scheduler.ErrThrottled))
	m.Invoked(req("f"), "", scheduler.Result{}, scheduler.ErrShuttingDown)
	m.Throttled("f", scheduler.ThrottleReserved)

	for _, c := range []struct {
		got  float64
		want float64
		what string
	}{
		{m.invocations.value("f", "sync"), 3, "sync"},
		{m.invocations.value("f", "event"), 1, "event"},
		{m.invocations.value("f", "stream"), 1, "stream"},
		{m.errors.value("f", lambda.ErrorTypeTimedOut), 1, "timeout"},
		{m.errors.value("f", "errorString"), 1, "runtime's error type"},
		{m.errors.value("f", errorService), 1, "lambdad's failure"},
		{m.throttles.value("f", "reserved_concurrency"), 1, "throttle"},
		{m.starts.value("f", "cold"), 1, "cold"},
		{m.starts.value("f", "warm"), 1, "warm"},
		{m.starts.value("f", "spare"), 1, "spare"},
		{m.starts.value("f", "provisioned"), 1, "provisioned"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	text := scrape(t, m)
	for _, want := range []string{
		`lambdad_invocation_duration_seconds_count{function="f"} 4`,
		`lambdad_invocation_duration_seconds_bucket{function="f",le="0.025"} 3`,
		`lambdad_invocation_duration_seconds_sum{function="f"} 1.02`,
		"go_goroutines ", "process_start_time_seconds ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
}

// A runtime's own error types are kept apart up to maxErrorTypes per
// function, then count as Unhandled; lambdad's own always count as
// themselves; label values stay short and valid UTF-8.
func TestErrorTypesBounded(t *testing.T) {
	m := New()
	for i := range maxErrorTypes + 3 {
		m.Invoked(req("f"), scheduler.StartWarm, scheduler.Result{ErrorType: fmt.Sprintf("E%d", i)}, nil)
	}
	m.Invoked(req("f"), scheduler.StartWarm, scheduler.Result{ErrorType: "E0"}, nil)
	m.Invoked(req("f"), scheduler.StartWarm, scheduler.Result{ErrorType: lambda.ErrorTypeOutOfMemory}, nil)
	m.Invoked(req("g"), scheduler.StartWarm, scheduler.Result{ErrorType: "E99"}, nil)
	m.Invoked(req("g"), scheduler.StartWarm, scheduler.Result{ErrorType: strings.Repeat("x", 100) + "\xff"}, nil)

	if got := m.errors.value("f", "E0"); got != 2 {
		t.Errorf("E0: %v, want 2", got)
	}
	if got := m.errors.value("f", lambda.ErrorTypeUnhandled); got != 3 {
		t.Errorf("Unhandled (the types beyond the bound): %v, want 3", got)
	}
	if got := m.errors.value("f", lambda.ErrorTypeOutOfMemory); got != 1 {
		t.Errorf("Runtime.OutOfMemory: %v, want 1", got)
	}
	if got := m.errors.value("g", "E99"); got != 1 {
		t.Errorf("g's E99 (another function's bound): %v, want 1", got)
	}
	if got := m.errors.value("g", strings.Repeat("x", maxErrorTypeLen)); got != 1 {
		t.Errorf("a long type, cut: %v, want 1", got)
	}
	if n := len(m.errors.series); n != maxErrorTypes+1+1+2 {
		t.Errorf("%d error series, want %d", n, maxErrorTypes+4)
	}
}

func TestStartsAndEvictions(t *testing.T) {
	m := New()
	m.Initialised("f", scheduler.StartPhases{Create: 30 * time.Millisecond, Start: 2 * time.Millisecond, Init: 100 * time.Millisecond})
	m.Initialised("f", scheduler.StartPhases{Spare: true, Start: 2 * time.Millisecond, Init: 50 * time.Millisecond})
	m.Evicted("f", scheduler.EvictIdle)
	m.Evicted("g", scheduler.EvictIdle)
	m.Evicted("f", scheduler.EvictRetired)
	text := scrape(t, m)
	for _, want := range []string{
		`lambdad_init_duration_seconds_count{function="f"} 2`,
		`lambdad_cold_start_phase_seconds_count{phase="create"} 1`, // not the spare's
		`lambdad_cold_start_phase_seconds_count{phase="start"} 2`,
		`lambdad_cold_start_phase_seconds_count{phase="init"} 2`,
		`lambdad_cold_start_phase_seconds_sum{phase="init"} 0.15`,
		`lambdad_evictions_total{reason="idle"} 2`,
		`lambdad_evictions_total{reason="retired"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
}

type fakeSources struct{ queue scheduler.QueueStats }

func (f fakeSources) Stats() scheduler.Stats {
	return scheduler.Stats{Starting: 1, Busy: 2, Idle: 3, Provisioned: 4, MemoryMB: 512, MemoryBudgetMB: 1024}
}
func (f fakeSources) Spares() int { return 5 }

// queueOf is f as a Queue.
type queueOf struct{ fakeSources }

func (q queueOf) Stats() scheduler.QueueStats { return q.queue }

func TestGauges(t *testing.T) {
	m := New()
	if strings.Contains(scrape(t, m), "lambdad_sandboxes") {
		t.Error("gauges before Watch")
	}
	m.Watch(Sources{Scheduler: fakeSources{}, Spares: fakeSources{}, Queue: queueOf{fakeSources{queue: scheduler.QueueStats{Depth: 7, Oldest: time.Now().Add(-time.Hour)}}}})
	m.Watch(Sources{}) // once only
	text := scrape(t, m)
	for _, want := range []string{
		`lambdad_sandboxes{state="starting"} 1`, `lambdad_sandboxes{state="busy"} 2`,
		`lambdad_sandboxes{state="idle"} 3`, `lambdad_sandboxes{state="provisioned"} 4`,
		"lambdad_spares 5", "lambdad_async_queue_depth 7", "lambdad_async_queue_oldest_age_seconds 3600",
		"lambdad_memory_budget_used_bytes 5.36870912e+08", "lambdad_memory_budget_limit_bytes 1.073741824e+09",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}

	m = New()
	m.Watch(Sources{Queue: queueOf{}})
	if text := scrape(t, m); !strings.Contains(text, "lambdad_async_queue_oldest_age_seconds 0\n") {
		t.Errorf("an empty queue's age is not 0:\n%s", text)
	}
}
