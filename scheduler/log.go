package scheduler

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// TailBytes is how much of an invocation's log X-Amz-Log-Result carries.
const TailBytes = 4096

// maxLine bounds a line kept while waiting for its newline.
const maxLine = 256 << 10

// Why a Log dropped output (the drop line's reason).
const (
	dropRate   = "the function's output exceeded its log rate"
	dropBehind = "the daemon's log writer is behind"
)

// Log is one instance's log: the function's stdout and stderr, and the
// START/END/REPORT lines. Every line goes to the sink prefixed with the
// function and the request it belongs to, and into the current invocation's
// tail. It is safe for concurrent use; it is an io.Writer for the sandbox.
//
// Its cost is linear in the bytes written: a Write's lines go to the sink
// in one batch, and output over the sink's rate is dropped in bulk (counted,
// not split into lines). lambdad's own lines are never dropped; before
// them, and before the next line that is logged, one line says how much
// was dropped, as Lambda's Telemetry API reports platform.logsDropped.
type Log struct {
	sink     *Sink
	function string

	mu        sync.Mutex
	requestID string
	prefix    []byte // "[function] request "
	partial   []byte // a line waiting for its newline
	skipLine  bool   // the start of the current line was dropped: drop its end
	batch     []byte // what one Write sends to the sink
	batchRaw  int    // the function's bytes in batch
	batchRecs int    // and its lines
	tail      []byte

	tokens   float64   // bytes that may be logged now (the sink's rate)
	last     time.Time // when tokens was last refilled
	dropping bool      // the rate ran out: drop until tokens are back

	droppedBytes, droppedRecords int
	dropReason                   string

	tee func(line []byte) // mu; sees every line of the function's that is logged (SetTee)
}

// SetTee hands every line of the function's output that is logged, without
// its newline, to tee as well (Lambda's Telemetry API); tee must not block
// or keep line. Call it before the first Write.
func (l *Log) SetTee(tee func(line []byte)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tee = tee
}

// NewLog returns the log of one instance of function.
func NewLog(sink *Sink, function string) *Log {
	l := &Log{sink: sink, function: function, tokens: sink.burst, last: sink.now()}
	l.setPrefix()
	return l
}

func (l *Log) setPrefix() {
	l.prefix = append(append(append(l.prefix[:0], '['), l.function...), "] "...)
	if l.requestID != "" {
		l.prefix = append(append(l.prefix, l.requestID[:min(8, len(l.requestID))]...), ' ')
	}
}

// Write takes raw output and logs it line by line, as far as the sink's
// rate allows; it never blocks on the sink's writer.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(p)
	l.refill()
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if l.skipLine {
				l.dropped(len(p), 0, "")
				break
			}
			l.partial = append(l.partial, p...)
			if len(l.partial) > maxLine {
				l.skipLine = !l.line(l.partial)
				l.partial = l.partial[:0]
			}
			break
		}
		line := p[:i]
		if l.skipLine {
			l.skipLine = false
			l.dropped(i+1, 1, "")
			p = p[i+1:]
			continue
		}
		if len(l.partial) > 0 {
			line = append(l.partial, line...)
			l.partial = l.partial[:0]
		}
		if !l.line(line) { // over the rate: the rest goes too, counted in bulk
			rest := p[i+1:]
			l.dropped(len(rest), bytes.Count(rest, []byte{'\n'}), dropRate)
			l.skipLine = len(rest) > 0 && rest[len(rest)-1] != '\n'
			break
		}
		p = p[i+1:]
	}
	l.send()
	return n, nil
}

// line adds one line of the function's to the batch if the rate allows it,
// or counts it as dropped.
func (l *Log) line(line []byte) bool {
	cost := float64(len(l.prefix) + len(line) + 1)
	if l.sink.rate > 0 {
		// Once dropping, wait for half a burst (or a second's rate) before
		// logging again, so that the drop lines come seldom. A line longer
		// than a burst needs a full one (and leaves the bucket in debt).
		if l.tokens < min(cost, l.sink.burst) || l.dropping && l.tokens < min(l.sink.burst, l.sink.rate)/2 {
			l.dropping = true
			l.dropped(len(line)+1, 1, dropRate)
			return false
		}
		l.dropping = false
	}
	l.tokens -= cost
	if l.droppedBytes > 0 {
		l.send()
		l.reportDropped()
	}
	if l.tee != nil {
		l.tee(line)
	}
	l.batch = append(append(append(l.batch, l.prefix...), line...), '\n')
	l.batchRaw += len(line) + 1
	l.batchRecs++
	l.tail = append(append(l.tail, line...), '\n')
	return true
}

// refill adds the tokens the time since the last refill earned.
func (l *Log) refill() {
	if l.sink.rate == 0 {
		return
	}
	now := l.sink.now()
	l.tokens = min(l.sink.burst, l.tokens+now.Sub(l.last).Seconds()*l.sink.rate)
	l.last = now
}

// dropped counts output that was not logged.
func (l *Log) dropped(n, records int, reason string) {
	l.droppedBytes += n
	l.droppedRecords += records
	if reason != "" {
		l.dropReason = reason
	}
}

// send hands the batch to the sink; if the sink's writer is too far behind,
// the batch is dropped and counted.
func (l *Log) send() {
	if len(l.batch) > 0 && !l.sink.put(l.function, l.batch, false) {
		l.dropped(l.batchRaw, l.batchRecs, dropBehind)
	}
	l.batch, l.batchRaw, l.batchRecs = l.batch[:0], 0, 0
	if cap(l.batch) > 1<<20 { // a long line once is no reason to keep its buffer
		l.batch = nil
	}
	l.trimTail()
}

// reportDropped writes the line that says how much output was dropped since
// the last one, if any was.
func (l *Log) reportDropped() {
	if l.droppedBytes == 0 && l.droppedRecords == 0 {
		return
	}
	line := fmt.Appendf(nil, "platform.logsDropped\tdroppedRecords: %d\tdroppedBytes: %d\treason: %s", l.droppedRecords, l.droppedBytes, l.dropReason)
	if l.dropReason == dropRate {
		line = append(line, " ("...)
		line = strconv.AppendFloat(line, l.sink.rate, 'f', 0, 64)
		line = append(line, " bytes/s, bursts of "...)
		line = strconv.AppendFloat(line, l.sink.burst, 'f', 0, 64)
		line = append(line, " bytes)"...)
	}
	l.droppedBytes, l.droppedRecords, l.dropReason = 0, 0, ""
	l.tokens -= float64(len(l.prefix) + len(line) + 1) // never dropped, but paid for
	l.own(line)
}

// Printf emits one line of lambdad's own (START, END, REPORT).
func (l *Log) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reportDropped()
	l.own(fmt.Appendf(nil, format, args...))
}

// Lines emits lines of lambdad's own at once (END and REPORT), after the
// line that reports dropped output, if any was.
func (l *Log) Lines(lines ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reportDropped()
	bs := make([][]byte, len(lines))
	for i, line := range lines {
		bs[i] = []byte(line)
	}
	l.own(bs...)
}

// own sends lines of lambdad's own to the sink, never dropped.
func (l *Log) own(lines ...[]byte) {
	var b []byte
	for _, line := range lines {
		b = append(append(append(b, l.prefix...), line...), '\n')
		l.tail = append(append(l.tail, line...), '\n')
	}
	l.sink.put(l.function, b, true)
	l.trimTail()
}

// Begin starts the log of a new invocation.
func (l *Log) Begin(requestID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requestID = requestID
	l.setPrefix()
	l.tail = l.tail[:0]
}

// Tail returns the last TailBytes of the current invocation's log.
func (l *Log) Tail() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.refill()
		l.skipLine = !l.line(l.partial)
		l.partial = l.partial[:0]
		l.send()
	}
	t := l.tail
	if len(t) > TailBytes {
		t = t[len(t)-TailBytes:]
	}
	return bytes.Clone(t)
}

// trimTail keeps the last TailBytes of the tail; it lets the tail grow to
// twice that first, so trimming costs little per byte.
func (l *Log) trimTail() {
	if len(l.tail) > 2*TailBytes {
		l.tail = append(l.tail[:0], l.tail[len(l.tail)-TailBytes:]...)
	}
}
