package scheduler

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// TailBytes is how much of an invocation's log X-Amz-Log-Result carries.
const TailBytes = 4096

// maxLine bounds a line kept while waiting for its newline.
const maxLine = 256 << 10

// Sink serialises log lines from every instance onto one writer (the
// daemon's output).
type Sink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte // one line, written with one write
}

// NewSink writes lines to w; nil discards them.
func NewSink(w io.Writer) *Sink {
	if w == nil {
		w = io.Discard
	}
	return &Sink{w: w}
}

func (s *Sink) line(prefix string, lines ...[]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = s.buf[:0]
	for _, line := range lines {
		s.buf = append(append(append(s.buf, prefix...), line...), '\n')
	}
	s.w.Write(s.buf)
	if cap(s.buf) > 64<<10 { // a long line once is no reason to keep its buffer
		s.buf = nil
	}
}

// Log is one instance's log: the function's stdout and stderr, and the
// START/END/REPORT lines. Every line goes to the sink prefixed with the
// function and the request it belongs to, and into the current invocation's
// tail. It is safe for concurrent use; it is an io.Writer for the sandbox.
type Log struct {
	sink     *Sink
	function string

	mu        sync.Mutex
	requestID string
	partial   []byte
	tail      []byte
}

// NewLog returns the log of one instance of function.
func NewLog(sink *Sink, function string) *Log {
	return &Log{sink: sink, function: function}
}

// Write takes raw output and emits it line by line.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			if len(l.partial) > maxLine {
				l.emit(l.partial)
				l.partial = l.partial[:0]
			}
			break
		}
		if len(l.partial) > 0 {
			l.partial = append(l.partial, p[:i]...)
			l.emit(l.partial)
			l.partial = l.partial[:0]
		} else {
			l.emit(p[:i])
		}
		p = p[i+1:]
	}
	return n, nil
}

// Printf emits one line of lambdad's own (START, END, REPORT).
func (l *Log) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.emit(fmt.Appendf(nil, format, args...))
}

// Lines emits lines of lambdad's own at once (END and REPORT): one write.
func (l *Log) Lines(lines ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	bs := make([][]byte, len(lines))
	for i, line := range lines {
		bs[i] = []byte(line)
	}
	l.emit(bs...)
}

// Begin starts the log of a new invocation.
func (l *Log) Begin(requestID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requestID = requestID
	l.tail = l.tail[:0]
}

// Tail returns the last TailBytes of the current invocation's log.
func (l *Log) Tail() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.emit(l.partial)
		l.partial = l.partial[:0]
	}
	return bytes.Clone(l.tail)
}

func (l *Log) emit(lines ...[]byte) {
	prefix := "[" + l.function + "] "
	if l.requestID != "" {
		prefix += l.requestID[:min(8, len(l.requestID))] + " "
	}
	l.sink.line(prefix, lines...)
	for _, line := range lines {
		l.tail = append(l.tail, line...)
		l.tail = append(l.tail, '\n')
	}
	if over := len(l.tail) - TailBytes; over > 0 {
		l.tail = append(l.tail[:0], l.tail[over:]...)
	}
}
