package scheduler

import "io"

// benchLog is a Log without a rate limit: the benchmark measures the cost
// of logging, not of dropping.
func benchLog(w io.Writer) *Log {
	s := NewSinkWith(SinkConfig{Writer: w, Rate: -1, Pending: 1 << 30})
	return NewLog(s, "bench")
}
