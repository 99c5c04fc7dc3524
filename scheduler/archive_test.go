package scheduler

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// fakeArchive keeps what the sink archives, by function.
type fakeArchive struct {
	mu    sync.Mutex
	lines map[string]string
	times map[string][]time.Time
}

func (a *fakeArchive) Append(function string, at time.Time, lines []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines[function] += string(lines)
	a.times[function] = append(a.times[function], at)
}

// The archive gets each function's lines apart, as the daemon's output has
// them, with the sink's time; what the sink drops, it never sees.
func TestSinkArchive(t *testing.T) {
	clock := testkit.NewFakeClock()
	arch := &fakeArchive{lines: map[string]string{}, times: map[string][]time.Time{}}
	var out testkit.Buffer
	sink := NewSinkWith(SinkConfig{Writer: &out, Rate: 100, Burst: 100, Clock: clock, Archive: arch})
	a, b := NewLog(sink, "a"), NewLog(sink, "b")
	a.Begin("0123456789abcdef")
	b.Begin("fedcba9876543210")
	a.Printf("START RequestId: 0123456789abcdef Version: $LATEST")
	b.Write([]byte("b's line\n"))
	clock.Advance(time.Second)
	a.Write([]byte("a's line\n" + strings.Repeat("flood\n", 100)))
	a.Lines("END RequestId: 0123456789abcdef")
	sink.Flush()
	wantA := "[a] 01234567 START RequestId: 0123456789abcdef Version: $LATEST\n[a] 01234567 a's line\n"
	var outA strings.Builder
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "[a] ") {
			outA.WriteString(line)
		}
	}
	if got := arch.lines["a"]; !strings.HasPrefix(got, wantA) || !strings.Contains(got, "platform.logsDropped") ||
		strings.Count(got, "flood") == 100 || !strings.HasSuffix(got, "[a] 01234567 END RequestId: 0123456789abcdef\n") {
		t.Errorf("a's archive:\n%s", got)
	} else if got != outA.String() {
		t.Errorf("a's archive:\n%s\nthe writer's lines of a:\n%s", got, outA.String())
	}
	if got := arch.lines["b"]; got != "[b] fedcba98 b's line\n" {
		t.Errorf("b's archive: %q", got)
	}
	if ts := arch.times["a"]; len(ts) < 2 || ts[1].Sub(ts[0]) != time.Second {
		t.Errorf("a's times %v: want the sink's clock at each put", ts)
	}
}
