package metrics

import (
	"slices"
	"strings"
	"sync"
)

// vec is one metric family with labels: its series by their label values,
// made on first use. Label sets are bounded by the callers (see doc.go).
type vec struct {
	name, help string
	labels     []string
	buckets    []float64 // a histogram's upper bounds, ascending; nil for a counter

	mu     sync.Mutex
	series map[string]*series // mu; by label values joined with \xff
}

// series is one label set's value: a counter's, or a histogram's counts
// per bucket (not cumulative; the last is above every bound), sum and count.
type series struct {
	values []string
	value  float64
	counts []uint64
	sum    float64
	count  uint64
}

func newCounterVec(name, help string, labels ...string) *vec {
	return &vec{name: name, help: help, labels: labels, series: map[string]*series{}}
}

func newHistogramVec(name, help string, buckets []float64, labels ...string) *vec {
	return &vec{name: name, help: help, labels: labels, buckets: buckets, series: map[string]*series{}}
}

// get is the series of values, made if new; v.mu held.
func (v *vec) get(values []string) *series {
	if len(values) != len(v.labels) {
		panic("metrics: " + v.name + ": wrong number of label values")
	}
	key := strings.Join(values, "\xff")
	s := v.series[key]
	if s == nil {
		s = &series{values: slices.Clone(values)}
		if v.buckets != nil {
			s.counts = make([]uint64, len(v.buckets)+1)
		}
		v.series[key] = s
	}
	return s
}

// inc adds one to a counter's series.
func (v *vec) inc(values ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.get(values).value++
}

// observe adds x to a histogram's series.
func (v *vec) observe(x float64, values ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.get(values)
	i, _ := slices.BinarySearch(v.buckets, x) // the first bound >= x: le is inclusive
	s.counts[i]++
	s.sum += x
	s.count++
}

// value is a counter's series' value, 0 if it has none (for tests).
func (v *vec) value(values ...string) float64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s := v.series[strings.Join(values, "\xff")]; s != nil {
		return s.value
	}
	return 0
}

// family is v as a scrape writes it, its series sorted by label values.
func (v *vec) family() family {
	v.mu.Lock()
	defer v.mu.Unlock()
	f := family{name: v.name, help: v.help, typ: typeCounter}
	if v.buckets != nil {
		f.typ = typeHistogram
	}
	keys := make([]string, 0, len(v.series))
	for k := range v.series {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := v.series[k]
		labels := make([]label, len(v.labels))
		for i, name := range v.labels {
			labels[i] = label{name, s.values[i]}
		}
		if v.buckets == nil {
			f.samples = append(f.samples, sample{labels: labels, value: s.value})
			continue
		}
		f.samples = append(f.samples, histogramSamples(labels, v.buckets, s.counts, s.sum, s.count)...)
	}
	return f
}

// histogramSamples are a histogram's cumulative _bucket samples, +Inf's
// last, then its _sum and _count; counts are per bucket, one more than
// bounds.
func histogramSamples(labels []label, bounds []float64, counts []uint64, sum float64, count uint64) []sample {
	var out []sample
	var cum uint64
	for i, n := range counts {
		cum += n
		le := "+Inf"
		if i < len(bounds) {
			le = formatFloat(bounds[i])
		}
		out = append(out, sample{suffix: "_bucket", labels: append(slices.Clip(labels), label{"le", le}), value: float64(cum)})
	}
	return append(out,
		sample{suffix: "_sum", labels: labels, value: sum},
		sample{suffix: "_count", labels: labels, value: float64(count)})
}
