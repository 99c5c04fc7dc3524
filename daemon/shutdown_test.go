package daemon

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// At the end of Run's ctx with a backlog of Event invokes that never end:
// no invoke starts after the stop began, the Invoke API refuses new
// connections, the two in flight are killed once --shutdown-timeout is over,
// the queued events are kept for the next start (and logged so), and
// nothing is left.
func TestDaemonStopWithEventBacklog(t *testing.T) {
	const timeout = time.Second
	d, cfg := newDaemon(t, 0, func(c *Config) { c.ShutdownTimeout = timeout })
	out := cfg.Output.(*testkit.Buffer)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	url := "http://" + d.Addr().String() + "/2015-03-31/functions/sleepy/invocations"
	for range 8 {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Invocation-Type", "Event")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("Event invoke: %d", resp.StatusCode)
		}
	}
	// ReservedConcurrentExecutions 2: two run, six wait (throttled, retried).
	testkit.Eventually(t, "two events started", func() bool { return strings.Count(out.String(), "START RequestId") == 2 })

	began := time.Now()
	cancel()
	var err error
	select {
	case err = <-ran:
	case <-time.After(10 * (timeout + TeardownMargin)): // a sanity bound only
		t.Fatalf("Run did not return %s after its ctx ended", 10*(timeout+TeardownMargin))
	}
	took := time.Since(began)
	if err != nil {
		t.Errorf("Run = %v", err)
	}
	log := out.String()
	if n := strings.Count(log, "START RequestId"); n != 2 {
		t.Errorf("%d invokes started, want the 2 in flight at the stop and none after:\n%s", n, log)
	}
	if !strings.Contains(log, "async events kept for the next start") || !strings.Contains(log, "count=8") {
		t.Errorf("no log of the 8 events kept:\n%s", log)
	}
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after Run returned: %v", left)
	}
	if _, err := http.Post(url, "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("the Invoke API still answers after Run returned")
	}
	t.Logf("stopped in %s (--shutdown-timeout %s)", took, timeout)
}
