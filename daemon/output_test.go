package daemon

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// countingWriter counts the bytes the daemon writes as its Output, and
// keeps the lines of lambdad's own (not the function's empty ones).
type countingWriter struct {
	n    atomic.Int64
	kept testkit.Buffer
}

var emptyLine = regexp.MustCompile(`(?m)^\[flood\] [0-9a-f]{8} \n`)

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	c.kept.Write(emptyLine.ReplaceAll(p, nil))
	return len(p), nil
}

// A function that prints 20 MiB of newlines: the daemon writes no more than
// its log rate allows, says how much it dropped, and START/END/REPORT are
// all there.
func TestDaemonOutputFlood(t *testing.T) {
	const rate, burst = 64 << 10, 256 << 10
	var out countingWriter
	d, cfg := newDaemon(t, 0, func(c *Config) {
		c.LogRate, c.LogBurst, c.Output = rate, burst, &out
		c.MemoryBudgetMB = 65536 // flood has 1769 MB (a whole CPU), more than 3/4 of a small host
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	began := time.Now()
	invoke(t, d, "flood", `{"x":1}`)
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	took := time.Since(began) // the sandbox's whole life, and more
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after Shutdown: %v", left)
	}
	// The bound follows from the rate and the time the invoke took; the
	// test asserts no timing of its own.
	bound := int64(burst + rate*took.Seconds() + 4096)
	if n := out.n.Load(); n > bound {
		t.Errorf("the daemon wrote %d bytes for 20 MiB of newlines in %s, want at most %d (burst, rate, its own lines)", n, took, bound)
	} else {
		t.Logf("the daemon wrote %d bytes for 20 MiB of newlines in %s", n, took)
	}
	log := out.kept.String()
	for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", "platform.logsDropped\tdroppedRecords: "} {
		if !strings.Contains(log, want) {
			t.Errorf("the daemon's output lacks %q:\n%s", want, log)
		}
	}
}
