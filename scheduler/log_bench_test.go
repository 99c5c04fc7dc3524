package scheduler

import (
	"bytes"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// countingWriter counts the bytes and writes it is given.
type countingWriter struct{ bytes, writes atomic.Int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.bytes.Add(int64(len(p)))
	c.writes.Add(1)
	return len(p), nil
}

// benchmarkLog feeds a Log 32 KB chunks (what a pipe's copy hands it) of
// the given output and reports the daemon-side bytes and writes per byte.
func benchmarkLog(b *testing.B, newLog func(w io.Writer) *Log, chunk []byte) {
	var out countingWriter
	l := newLog(&out)
	l.Begin("0123456789abcdef")
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for range b.N {
		l.Write(chunk)
	}
	b.StopTimer()
	in := float64(b.N) * float64(len(chunk))
	b.ReportMetric(float64(out.bytes.Load())/in, "out-bytes/in-byte")
	b.ReportMetric(float64(out.writes.Load())/float64(b.N), "writes/chunk")
}

var (
	newlines  = bytes.Repeat([]byte("\n"), 32<<10)
	textLines = []byte(strings.Repeat(strings.Repeat("x", 99)+"\n", 32<<10/100))
)

// benchLog is a Log without a rate limit: the benchmark measures the cost
// of logging, not of dropping.
func benchLog(w io.Writer) *Log {
	return NewLog(NewSinkWith(SinkConfig{Writer: w, Rate: -1, Pending: 1 << 30}), "bench")
}

func BenchmarkLogNewlines(b *testing.B) { benchmarkLog(b, benchLog, newlines) }
func BenchmarkLogLines(b *testing.B)    { benchmarkLog(b, benchLog, textLines) }

// BenchmarkLogNewlinesOverRate is the flood past the default rate: dropped
// in bulk.
func BenchmarkLogNewlinesOverRate(b *testing.B) {
	benchmarkLog(b, func(w io.Writer) *Log { return NewLog(NewSink(w), "bench") }, newlines)
}
