package scheduler

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

func TestLogLinesAndTail(t *testing.T) {
	var out testkit.Buffer
	sink := NewSink(&out)
	l := NewLog(sink, "hello")
	l.Begin("0123456789abcdef")
	l.Write([]byte("one\ntw"))
	l.Write([]byte("o\nthree"))
	l.Printf("END RequestId: %s", "x")
	if got, want := string(l.Tail()), "one\ntwo\nEND RequestId: x\nthree\n"; got != want {
		t.Errorf("tail %q, want %q", got, want)
	}
	sink.Flush()
	if !strings.Contains(out.String(), "[hello] 01234567 two\n") {
		t.Errorf("sink got %q", out.String())
	}
	l.Begin("next")
	l.Write([]byte(strings.Repeat("x", 100) + "\n"))
	for i := 0; i < 100; i++ {
		l.Write([]byte(strings.Repeat("y", 99) + "\n"))
	}
	tail := l.Tail()
	if len(tail) != TailBytes || !bytes.HasSuffix(tail, []byte("y\n")) || bytes.Contains(tail, []byte("three")) {
		t.Errorf("tail of %d bytes: %q…", len(tail), tail[:40])
	}
}

var droppedLine = regexp.MustCompile(`platform\.logsDropped\tdroppedRecords: (\d+)\tdroppedBytes: (\d+)\treason: ([^\n]*)`)

// drops sums the drop lines of out.
func drops(t *testing.T, out string) (records, bytes int, reasons []string) {
	t.Helper()
	for _, m := range droppedLine.FindAllStringSubmatch(out, -1) {
		r, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		records, bytes, reasons = records+r, bytes+b, append(reasons, m[3])
	}
	return records, bytes, reasons
}

// A function that prints 20 MB of newlines: the daemon writes what the rate
// allows (a burst, then the rate), a few writes per chunk rather than one
// per line, says how much it dropped, and START/END/REPORT are all there.
func TestLogFloodOfNewlines(t *testing.T) {
	const rate, burst = 64 << 10, 256 << 10
	var out countingWriter
	var text testkit.Buffer
	clock := testkit.NewFakeClock()
	sink := NewSinkWith(SinkConfig{Writer: teeWriter{&out, &text}, Rate: rate, Burst: burst, Clock: clock})
	l := NewLog(sink, "flood")
	l.Begin("0123456789abcdef")
	l.Printf("START RequestId: %s", "0123456789abcdef")
	chunk := bytes.Repeat([]byte{'\n'}, 32<<10)
	const total = 20 << 20
	for i := 0; i < total/len(chunk); i++ {
		if i == total/len(chunk)/2 {
			clock.Advance(time.Second) // the rate earns a second's worth
		}
		l.Write(chunk)
	}
	l.Lines("END RequestId: 0123456789abcdef", "REPORT RequestId: 0123456789abcdef\tDuration: 1.00 ms")
	sink.Flush()

	log := text.String()
	for _, want := range []string{"START RequestId: 0123456789abcdef\n", "END RequestId: 0123456789abcdef\n", "REPORT RequestId: 0123456789abcdef\t"} {
		if !strings.Contains(log, want) {
			t.Errorf("the daemon's log lacks %q", want)
		}
	}
	if !regexp.MustCompile(`platform\.logsDropped[^\n]*\n[^\n]*END RequestId`).MatchString(log) {
		t.Error("no drop line just before END")
	}
	const ownLines = 1024 // START, END, REPORT and the drop lines
	if got := out.bytes.Load(); got > burst+rate+ownLines {
		t.Errorf("the daemon wrote %d bytes for 20 MB of newlines, want at most the burst and a second's rate (%d) and its own lines", got, burst+rate)
	}
	if w := out.writes.Load(); w > 2*total/int64(len(chunk))+10 {
		t.Errorf("%d writes for %d chunks", w, total/len(chunk))
	}
	records, dropped, reasons := drops(t, log)
	logged := strings.Count(log, "[flood] 01234567 \n")
	if records+logged != total || dropped+logged != total {
		t.Errorf("%d lines logged, %d records (%d bytes) reported dropped; want them to add up to %d", logged, records, dropped, total)
	}
	if len(reasons) != 2 || !strings.Contains(reasons[0], "log rate (65536 bytes/s, bursts of 262144 bytes)") {
		t.Errorf("drop reasons %q, want two lines naming the rate (one when output resumed, one before END)", reasons)
	}
}

// A daemon's writer that blocks does not block the function: its output
// waits in the sink up to Pending bytes, and is dropped beyond (said in one
// line); lambdad's own lines are never dropped.
func TestLogSlowWriter(t *testing.T) {
	w := &blockedWriter{release: make(chan struct{})}
	sink := NewSinkWith(SinkConfig{Writer: w, Rate: -1, Pending: 4096})
	l := NewLog(sink, "slow")
	l.Begin("0123456789abcdef")
	l.Printf("START RequestId: x")
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for range 1000 {
			l.Write([]byte(strings.Repeat("z", 99) + "\n"))
		}
	}()
	testkit.Eventually(t, "1000 writes to return while the daemon's writer is blocked", func() bool {
		select {
		case <-wrote:
			return true
		default:
			return false
		}
	})
	l.Lines("END RequestId: x", "REPORT RequestId: x")
	close(w.release)
	sink.Flush()
	log := w.String()
	records, _, reasons := drops(t, log)
	if logged := strings.Count(log, "zzz\n"); records == 0 || logged+records != 1000 || logged > 2*4096/100 {
		t.Errorf("%d lines logged, %d dropped; want at most twice Pending's worth logged (one batch being written, one waiting), the rest reported", logged, records)
	}
	if len(reasons) == 0 || reasons[0] != dropBehind {
		t.Errorf("drop reasons %q, want %q", reasons, dropBehind)
	}
	for _, want := range []string{"START RequestId: x\n", "END RequestId: x\n", "REPORT RequestId: x\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the daemon's log lacks %q:\n%s", want, log)
		}
	}
}

type teeWriter struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (t teeWriter) Write(p []byte) (int, error) {
	t.a.Write(p)
	return t.b.Write(p)
}

// blockedWriter blocks every write until release is closed.
type blockedWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *blockedWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *blockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// A line longer than a burst is logged when the bucket is full, not never;
// it leaves the bucket in debt.
func TestLogLineLongerThanBurst(t *testing.T) {
	var out testkit.Buffer
	clock := testkit.NewFakeClock()
	sink := NewSinkWith(SinkConfig{Writer: &out, Rate: 100, Burst: 100, Clock: clock})
	l := NewLog(sink, "long")
	for _, c := range "abc" {
		l.Write([]byte(strings.Repeat(string(c), 500) + "\n"))
		if c == 'b' {
			clock.Advance(10 * time.Second)
		}
	}
	sink.Flush()
	got := out.String()
	if !strings.Contains(got, strings.Repeat("a", 500)) || strings.Contains(got, "bbb") || !strings.Contains(got, strings.Repeat("c", 500)) {
		t.Errorf("got %q, want the lines of a and c, not b (the bucket in debt)", got)
	}
}
