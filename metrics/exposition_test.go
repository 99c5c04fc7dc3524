package metrics

import (
	"fmt"
	"math"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

// sampleLine is a sample of the text format: name, {labels}, value.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$`)

// parsed is a scrape's families, checked as it is read.
type parsed struct {
	types  map[string]string   // family: its # TYPE
	order  []string            // families as they came
	series map[string][]string // family: its sample lines, in order
}

// parseText reads the text format 0.0.4 as Prometheus would and fails t
// at every line it would refuse: each sample's family has its # HELP and
// # TYPE before it, a family comes once, a value parses, a histogram's
// sample has the suffixes of its type.
func parseText(t *testing.T, text string) parsed {
	t.Helper()
	p := parsed{types: map[string]string{}, series: map[string][]string{}}
	helps := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		t.Errorf("no final newline")
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if f, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, _, _ := strings.Cut(f, " ")
			if helps[name] {
				t.Errorf("second HELP of %s", name)
			}
			helps[name] = true
			continue
		}
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(f, " ")
			if !helps[name] || p.types[name] != "" {
				t.Errorf("TYPE of %s without its HELP, or twice", name)
			}
			if !slices.Contains([]string{"counter", "gauge", "histogram", "summary"}, typ) {
				t.Errorf("%s: type %q", name, typ)
			}
			p.types[name] = typ
			p.order = append(p.order, name)
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not a sample: %q", line)
			continue
		}
		if _, err := strconv.ParseFloat(m[3], 64); err != nil && m[3] != "+Inf" && m[3] != "-Inf" && m[3] != "NaN" {
			t.Errorf("%q: value %q", line, m[3])
		}
		if len(p.order) == 0 {
			t.Errorf("%q before any # TYPE", line)
			continue
		}
		fam := p.order[len(p.order)-1] // the family being read: a sample's name must be of it
		suffixes := []string{""}
		switch p.types[fam] {
		case "histogram":
			suffixes = []string{"_bucket", "_sum", "_count"}
		case "summary":
			suffixes = []string{"", "_sum", "_count"}
		}
		if !slices.ContainsFunc(suffixes, func(s string) bool { return m[1] == fam+s }) {
			t.Errorf("%q is not of the family %s (%s) before it", line, fam, p.types[fam])
		}
		p.series[fam] = append(p.series[fam], line)
	}
	if !slices.IsSorted(p.order) {
		t.Errorf("families not sorted by name: %v", p.order)
	}
	return p
}

// checkHistograms fails t unless each histogram's series has buckets
// with ascending le, cumulative counts, the last +Inf and equal to its
// _count, and a _sum.
func checkHistograms(t *testing.T, p parsed) {
	t.Helper()
	type hist struct {
		les, counts  []float64
		count        float64
		sum, counted bool
	}
	for fam, typ := range p.types {
		if typ != "histogram" {
			continue
		}
		hists := map[string]*hist{}
		var keys []string
		for _, line := range p.series[fam] {
			m := sampleLine.FindStringSubmatch(line)
			v, _ := strconv.ParseFloat(m[3], 64)
			key, le := m[2], ""
			if m[1] == fam+"_bucket" {
				i := strings.LastIndex(m[2], `le="`)
				if i < 0 || !strings.HasSuffix(m[2], `"`) {
					t.Errorf("%q: le is not the last label", line)
					continue
				}
				key, le = strings.TrimSuffix(m[2][:i], ","), strings.TrimSuffix(m[2][i+4:], `"`)
			}
			h := hists[key]
			if h == nil {
				h = &hist{}
				hists[key] = h
				keys = append(keys, key)
			}
			switch m[1] {
			case fam + "_bucket":
				b, err := strconv.ParseFloat(le, 64) // ParseFloat reads "+Inf"
				if err != nil {
					t.Errorf("%q: le %q", line, le)
				}
				h.les, h.counts = append(h.les, b), append(h.counts, v)
			case fam + "_sum":
				h.sum = true
			case fam + "_count":
				h.count, h.counted = v, true
			}
		}
		for _, key := range keys {
			h := hists[key]
			switch {
			case !slices.IsSorted(h.les) || len(slices.Compact(slices.Clone(h.les))) != len(h.les):
				t.Errorf("%s{%s}: le not ascending: %v", fam, key, h.les)
			case !slices.IsSorted(h.counts):
				t.Errorf("%s{%s}: buckets not cumulative: %v", fam, key, h.counts)
			case len(h.les) == 0 || !math.IsInf(h.les[len(h.les)-1], 1):
				t.Errorf("%s{%s}: no +Inf bucket last: %v", fam, key, h.les)
			case !h.sum || !h.counted:
				t.Errorf("%s{%s}: no _sum or _count", fam, key)
			case h.counts[len(h.counts)-1] != h.count:
				t.Errorf("%s{%s}: +Inf bucket %v, _count %v", fam, key, h.counts[len(h.counts)-1], h.count)
			}
		}
		if len(keys) == 0 {
			t.Errorf("%s: no series", fam)
		}
	}
}

// A scrape with every kind of metric is the text format Prometheus reads,
// its Content-Type the format's.
func TestExpositionFormat(t *testing.T) {
	m := New()
	for i, d := range []time.Duration{0, time.Millisecond, 30 * time.Millisecond, time.Hour} {
		m.Invoked(req(fmt.Sprint("f", i%2)), scheduler.StartWarm, scheduler.Result{Duration: d, ErrorType: lambda.ErrorTypeTimedOut}, nil)
	}
	m.Initialised("f0", scheduler.StartPhases{Create: time.Millisecond, Start: time.Millisecond, Init: 20 * time.Second})
	m.Evicted("f0", scheduler.EvictDead)
	m.Watch(Sources{Scheduler: fakeSources{}, Spares: fakeSources{}, Queue: queueOf{}})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	p := parseText(t, rec.Body.String())
	checkHistograms(t, p)
	for fam, typ := range map[string]string{
		"lambdad_invocations_total": "counter", "lambdad_invocation_duration_seconds": "histogram",
		"lambdad_cold_start_phase_seconds": "histogram", "lambdad_sandboxes": "gauge",
		"go_goroutines": "gauge", "go_threads": "gauge", "go_info": "gauge", "go_gc_duration_seconds": "summary",
		"go_memstats_alloc_bytes": "gauge", "go_memstats_heap_inuse_bytes": "gauge", "go_memstats_sys_bytes": "gauge",
		"process_cpu_seconds_total": "counter", "process_resident_memory_bytes": "gauge",
		"process_virtual_memory_bytes": "gauge", "process_open_fds": "gauge", "process_max_fds": "gauge",
		"process_start_time_seconds": "gauge",
	} {
		if p.types[fam] != typ {
			t.Errorf("%s: type %q, want %q", fam, p.types[fam], typ)
		}
	}
	text := rec.Body.String()
	for _, want := range []string{
		`lambdad_invocation_duration_seconds_bucket{function="f1",le="+Inf"} 2`,
		`lambdad_init_duration_seconds_bucket{function="f0",le="10"} 0`, // 20 s: above every bound
		`lambdad_init_duration_seconds_bucket{function="f0",le="+Inf"} 1`,
		`lambdad_invocation_duration_seconds_bucket{function="f0",le="0.001"} 1`, // le is inclusive: 0 s
		`lambdad_invocation_duration_seconds_bucket{function="f1",le="0.001"} 1`, // and 1 ms
		`go_gc_duration_seconds{quantile="0.5"} `, `go_info{version="go`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
	// The process started before this test, and not before the epoch.
	for _, line := range p.series["process_start_time_seconds"] {
		v, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
		if now := float64(time.Now().Unix()); v > now+1 || v < now-7*24*3600 {
			t.Errorf("%s: now is %v", line, now)
		}
	}
}

// Label values and HELP are escaped as the format says; samples' labels
// come sorted by name.
func TestExpositionEscapes(t *testing.T) {
	v := newCounterVec("x_total", "a\\b\nc \"q\"", "zeta", "alpha")
	v.inc("a\"b\\c\nd", "\xff")
	var b strings.Builder
	if err := writeText(&b, []family{v.family()}); err != nil {
		t.Fatal(err)
	}
	want := "# HELP x_total a\\\\b\\nc \"q\"\n# TYPE x_total counter\nx_total{alpha=\"\xff\",zeta=\"a\\\"b\\\\c\\nd\"} 1\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	parseText(t, b.String())
}
