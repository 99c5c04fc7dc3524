package image

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Phase is what a progress Event reports.
type Phase int

const (
	Downloading Phase = iota // Done of Total bytes of a layer's blob stored (Total -1 if unknown)
	Downloaded               // a layer's blob is stored (or already was)
	Unpacking                // a layer is being applied to the image's tree
	Unpacked                 // a layer is applied
)

func (p Phase) String() string {
	switch p {
	case Downloading:
		return "downloading"
	case Downloaded:
		return "downloaded"
	case Unpacking:
		return "unpacking"
	case Unpacked:
		return "unpacked"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Event is one step of a pull or load.
type Event struct {
	Ref         string // the image's reference
	Layer       string // the layer's blob digest
	Phase       Phase
	Done, Total int64 // bytes; Total is -1 when unknown
}

// Progress receives the events of a pull or load; it may be called from
// several goroutines at once. A nil Progress receives nothing.
type Progress func(Event)

func (p Progress) send(e Event) {
	if p != nil {
		p(e)
	}
}

// LogProgress reports progress to l at info level: each layer's start and
// end, and in between at most every 10% or every 2 s.
func LogProgress(l *slog.Logger) Progress {
	lim := newLimiter()
	return func(e Event) {
		if lim.due(e) {
			args := []any{"ref", e.Ref, "layer", short(e.Layer), "phase", e.Phase.String()}
			if e.Phase == Downloading {
				args = append(args, "done", e.Done, "total", e.Total)
			}
			l.Info("image", args...)
		}
	}
}

// LineProgress writes progress to w as plain lines, at the rate of
// LogProgress: for a log file or a pipe.
func LineProgress(w io.Writer) Progress { return lineProgress(w, newLimiter()) }

func lineProgress(w io.Writer, lim *limiter) Progress {
	return func(e Event) {
		if lim.due(e) {
			fmt.Fprintf(w, "%s %s: %s\n", short(e.Layer), e.Phase, amount(e))
		}
	}
}

// limiter decides which events are worth a line: every phase change, and
// downloads every 10% or 2 s.
type limiter struct {
	now func() time.Time

	mu   sync.Mutex
	last map[string]sent // by layer; guarded by mu
}

type sent struct {
	at    time.Time
	phase Phase
	tenth int64
}

func newLimiter() *limiter { return &limiter{now: time.Now, last: map[string]sent{}} }

func (l *limiter) due(e Event) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	tenth := int64(-1)
	if e.Total > 0 {
		tenth = e.Done * 10 / e.Total
	}
	prev, ok := l.last[e.Layer]
	if ok && prev.phase == e.Phase && tenth == prev.tenth && now.Sub(prev.at) < 2*time.Second {
		return false
	}
	l.last[e.Layer] = sent{at: now, phase: e.Phase, tenth: tenth}
	return true
}

// WriterProgress is TerminalProgress if w is a terminal, else LineProgress.
func WriterProgress(w io.Writer) Progress {
	if f, ok := w.(*os.File); ok {
		if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			return TerminalProgress(w)
		}
	}
	return LineProgress(w)
}

// TerminalProgress draws one live line per layer on w, a terminal, redrawn
// at most every 100 ms.
func TerminalProgress(w io.Writer) Progress {
	t := &terminal{w: w, now: time.Now, rows: map[string]int{}}
	return t.event
}

type terminal struct {
	w   io.Writer
	now func() time.Time

	mu     sync.Mutex
	order  []Event        // the last event of each layer, in order of first appearance; guarded by mu
	rows   map[string]int // layer → index in order; guarded by mu
	drawn  int            // lines drawn so far; guarded by mu
	lastAt time.Time      // guarded by mu
}

func (t *terminal) event(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.rows[e.Layer]
	if !ok {
		i = len(t.order)
		t.rows[e.Layer] = i
		t.order = append(t.order, e)
	}
	t.order[i] = e
	now := t.now()
	if e.Phase == Downloading && now.Sub(t.lastAt) < 100*time.Millisecond && ok {
		return
	}
	t.lastAt = now
	var b strings.Builder
	if t.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", t.drawn)
	}
	for _, r := range t.order {
		fmt.Fprintf(&b, "\r\x1b[2K%s %-11s %s %s\n", short(r.Layer), r.Phase, bar(r), amount(r))
	}
	t.drawn = len(t.order)
	io.WriteString(t.w, b.String())
}

// bar is a 30-column progress bar for a download.
func bar(e Event) string {
	const width = 30
	n := width
	switch {
	case e.Phase == Downloading && e.Total > 0:
		n = int(min(e.Done, e.Total) * width / e.Total)
	case e.Phase == Downloading:
		n = 0
	}
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

func amount(e Event) string {
	if e.Phase != Downloading {
		if e.Total > 0 {
			return mb(e.Total)
		}
		return ""
	}
	if e.Total < 0 {
		return mb(e.Done)
	}
	return mb(e.Done) + " / " + mb(e.Total)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// short is a digest's first 12 hex digits, as docker shows them.
func short(digest string) string {
	_, hex, ok := strings.Cut(digest, ":")
	if !ok {
		hex = digest
	}
	return hex[:min(12, len(hex))]
}
