package scheduler

import (
	"io"
	"sync"
	"time"
)

// Defaults of SinkConfig: a sandbox may log 1 MiB/s with bursts of 4 MiB,
// and at most 4 MiB of lines wait for a slow writer.
const (
	DefaultLogRate    = 1 << 20
	DefaultLogBurst   = 4 << 20
	DefaultLogPending = 4 << 20
)

// SinkConfig configures a Sink.
type SinkConfig struct {
	Writer io.Writer // the daemon's output; nil discards
	// Rate and Burst bound each Log's output: bytes per second as written
	// to Writer (the prefixes included), and how many may go at once. Past
	// them a Log drops the function's output and says so in one line.
	// 0: the defaults; negative: no limit.
	Rate, Burst int
	// Pending bounds the bytes waiting for a slow Writer (besides the batch
	// being written); the functions' output beyond it is dropped
	// (lambdad's own lines never are). 0: the default.
	Pending int
	Clock   Clock // nil: the real clock
	// Archive, if not nil, keeps each function's lines apart as well
	// (package funclog's files): what Writer gets, with the function it
	// came from and its time. The sink's writer goroutine calls it, so
	// it never blocks a function, and what the sink drops it never sees.
	Archive Archive
}

// Archive keeps the lines of each function, written by the sink's writer
// goroutine after Writer: lines are whole lines, prefixed as on Writer;
// at is when the sink took them. Append must not keep lines.
type Archive interface {
	Append(function string, at time.Time, lines []byte)
}

// segment is one put's part of the sink's buffer: whose lines, and when.
type segment struct {
	function string
	at       time.Time
	n        int
}

// Sink serialises the log lines of every instance onto one writer (the
// daemon's output). Writes go through a buffer that a goroutine of the
// sink's drains, so a slow writer never blocks a function for longer than
// a copy into the buffer.
type Sink struct {
	w       io.Writer
	rate    float64 // bytes per second per Log; 0: no limit
	burst   float64
	pending int
	clock   Clock
	archive Archive // nil: none

	mu      sync.Mutex
	buf     []byte     // mu: waiting for the writer
	segs    []segment  // mu: buf's parts, for the archive
	spare   []byte     // mu: the drained buffer, for reuse
	writing bool       // mu: the drain goroutine runs
	drained *sync.Cond // on mu: signalled when the drain goroutine ends
}

// NewSink writes lines to w (nil discards them), with the default limits.
func NewSink(w io.Writer) *Sink { return NewSinkWith(SinkConfig{Writer: w}) }

// NewSinkWith returns a sink configured by cfg.
func NewSinkWith(cfg SinkConfig) *Sink {
	if cfg.Writer == nil {
		cfg.Writer = io.Discard
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultLogRate
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultLogBurst
	}
	if cfg.Pending == 0 {
		cfg.Pending = DefaultLogPending
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	s := &Sink{w: cfg.Writer, pending: cfg.Pending, clock: cfg.Clock, archive: cfg.Archive}
	if cfg.Rate > 0 {
		s.rate, s.burst = float64(cfg.Rate), float64(max(cfg.Burst, 1))
	}
	s.drained = sync.NewCond(&s.mu)
	return s
}

// put queues b, lines of function's, for the writer. A function's output
// (own false) is refused when Pending bytes already wait; lambdad's own
// lines never are.
func (s *Sink) put(function string, b []byte, own bool) bool {
	if s.w == io.Discard && s.archive == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !own && len(s.buf)+len(b) > s.pending {
		return false
	}
	s.buf = append(s.buf, b...)
	if s.archive != nil {
		s.segs = append(s.segs, segment{function: function, at: s.now(), n: len(b)})
	}
	if !s.writing {
		s.writing = true
		go s.drain()
	}
	return true
}

// drain writes what waits, batch after batch, until nothing does.
func (s *Sink) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.buf) > 0 {
		b, segs := s.buf, s.segs
		s.buf, s.spare, s.segs = s.spare[:0], nil, nil
		s.mu.Unlock()
		s.w.Write(b)
		rest := b
		for _, seg := range segs {
			s.archive.Append(seg.function, seg.at, rest[:seg.n])
			rest = rest[seg.n:]
		}
		s.mu.Lock()
		if cap(b) <= 2*s.pending { // keep one buffer, unless a burst of own lines grew it
			s.spare = b
		}
	}
	s.writing = false
	s.drained.Broadcast()
}

// Flush returns once everything queued before it has been written.
func (s *Sink) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.writing {
		s.drained.Wait()
	}
}

// now is the sink's clock's time.
func (s *Sink) now() time.Time { return s.clock.Now() }
