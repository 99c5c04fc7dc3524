package scheduler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/internal/testkit"
)

func TestProvisionedInstances(t *testing.T) {
	f := fn("pre")
	f.ProvisionedConcurrency = 2
	s, l, c := newTest(t, Config{Provisioned: []function.Config{f}, IdleTimeout: time.Minute, MaxSandboxes: 2})
	s.provision(context.Background())
	if got := len(l.instances()); got != 2 || l.provisioned != 2 {
		t.Fatalf("%d launches (%d provisioned), want 2 provisioned", got, l.provisioned)
	}
	if res := invoke(t, s, f); res.Cold {
		t.Error("an invoke with provisioned instances idle was a cold start")
	}
	// Never evicted for idleness, nor to make room for another function.
	c.Advance(time.Hour)
	if n := s.ReapIdle(); n != 0 {
		t.Errorf("the reaper evicted %d provisioned instances", n)
	}
	if _, err := s.Invoke(context.Background(), Request{Function: fn("other")}); !errors.Is(err, ErrThrottled) {
		t.Errorf("another function at the limit: %v, want ErrThrottled (provisioned instances are not evicted)", err)
	}
	// One dies: the next round replaces it.
	l.instances()[0].exitWith(Exit{Code: 1})
	if n := s.ReapIdle(); n != 1 {
		t.Errorf("the reaper removed %d dead instances, want 1", n)
	}
	s.provision(context.Background())
	if got := len(l.instances()); got != 3 || l.provisioned != 3 {
		t.Errorf("%d launches (%d provisioned) after one died, want a third provisioned one", got, l.provisioned)
	}
}

func TestProvisionedInitFailure(t *testing.T) {
	f := fn("pre")
	f.ProvisionedConcurrency = 1
	s, l, _ := newTest(t, Config{Provisioned: []function.Config{f}})
	l.prepare = func(fi *fakeInstance) { fi.neverReady = true; fi.exitWith(Exit{Code: 2}) }
	s.provision(context.Background())
	inst := l.instances()
	if len(inst) != 1 {
		t.Fatalf("%d launches", len(inst))
	}
	testkit.Eventually(t, "the failed instance destroyed", func() bool { return inst[0].destroyed.Load() == 1 })
	if st := s.stats(); st.Sandboxes != 0 {
		t.Errorf("stats %+v after a failed provisioned init, want nothing counted", st)
	}
}
