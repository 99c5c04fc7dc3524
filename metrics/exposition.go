package metrics

import (
	"bufio"
	"cmp"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Prometheus's text exposition format, version 0.0.4: what client_golang
// writes, by hand, so that no package of it is linked into lambdad (see
// doc.go).

// contentType is the text format's, as Prometheus asks for it.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// Metric types, a family's # TYPE.
const (
	typeCounter   = "counter"
	typeGauge     = "gauge"
	typeHistogram = "histogram"
	typeSummary   = "summary"
)

// family is a metric family at one scrape.
type family struct {
	name, help, typ string
	samples         []sample
}

// sample is one line: the family's name with a suffix (_bucket, _sum,
// _count, or none), its labels and its value.
type sample struct {
	suffix string
	labels []label
	value  float64
}

type label struct{ name, value string }

// gauge is a family of one sample.
func gauge(name, help string, v float64) family {
	return family{name: name, help: help, typ: typeGauge, samples: []sample{{value: v}}}
}

// counter is a family of one sample.
func counter(name, help string, v float64) family {
	return family{name: name, help: help, typ: typeCounter, samples: []sample{{value: v}}}
}

// writeText writes fams in the text format, sorted by name as
// client_golang does, each sample's labels sorted by name (a histogram's
// le last); a family with no sample is left out.
func writeText(w io.Writer, fams []family) error {
	slices.SortStableFunc(fams, func(a, b family) int { return cmp.Compare(a.name, b.name) })
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		if len(f.samples) == 0 {
			continue
		}
		bw.WriteString("# HELP " + f.name + " " + escape(f.help, false) + "\n")
		bw.WriteString("# TYPE " + f.name + " " + f.typ + "\n")
		for _, s := range f.samples {
			bw.WriteString(f.name + s.suffix)
			writeLabels(bw, s.labels)
			bw.WriteString(" " + formatFloat(s.value) + "\n")
		}
	}
	return bw.Flush()
}

func writeLabels(bw *bufio.Writer, labels []label) {
	if len(labels) == 0 {
		return
	}
	sorted := slices.Clone(labels)
	slices.SortStableFunc(sorted, func(a, b label) int {
		switch {
		case a.name == b.name:
			return 0
		case a.name == "le" || a.name == "quantile":
			return 1
		case b.name == "le" || b.name == "quantile":
			return -1
		}
		return cmp.Compare(a.name, b.name)
	})
	bw.WriteByte('{')
	for i, l := range sorted {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(l.name + `="` + escape(l.value, true) + `"`)
	}
	bw.WriteByte('}')
}

// escape is s with the format's escapes: backslash and newline, and in a
// label value (quote) also the double quote. (A function rather than a
// strings.Replacer var: nothing of this package runs at init.)
func escape(s string, quote bool) string {
	if !strings.ContainsAny(s, "\\\n\"") {
		return s
	}
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '"' && quote:
			b.WriteString(`\"`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// formatFloat is a value as the format writes it (Go's shortest 'g', as
// client_golang).
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		writeText(w, m.collect())
	})
}
