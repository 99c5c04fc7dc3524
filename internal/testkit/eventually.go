package testkit

import (
	"testing"
	"time"
)

// EventuallyTimeout bounds Eventually's wait: generous, since the machine
// may be slow (the cgroup v2 lane emulates its CPU); a condition that holds
// returns at once whatever the bound.
const EventuallyTimeout = 30 * time.Second

// Eventually polls cond until it holds, and fails t if it does not within
// EventuallyTimeout. It polls often at first (conditions that hold within
// microseconds cost no more) and less often later, up to every 10 ms.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(EventuallyTimeout)
	wait := 100 * time.Microsecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", EventuallyTimeout, what)
		}
		time.Sleep(wait)
		wait = min(2*wait, 10*time.Millisecond)
	}
}
