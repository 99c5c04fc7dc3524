package scheduler

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/internal/testkit"
)

// rev is a revision of the test function name.
func rev(name, version, revision string) function.Config {
	f := fn(name)
	f.Version, f.RevisionID = version, revision
	return f
}

// gatedInvokes makes every instance hold the invocations whose payload is
// "block" until open is called; the others answer at once.
func gatedInvokes(l *fakeLauncher) (open func()) {
	gate := make(chan struct{})
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(ctx context.Context, ev Event) (Outcome, error) {
			if string(ev.Payload) == `"block"` {
				select {
				case <-gate:
				case <-ctx.Done():
					return Outcome{}, ctx.Err()
				}
			}
			return Outcome{Kind: Responded, Body: []byte(`"done"`)}, nil
		}
	}
	var once sync.Once
	return func() { once.Do(func() { close(gate) }) }
}

// goInvokeBlocked invokes f with the payload gatedInvokes holds.
func goInvokeBlocked(t *testing.T, s *Scheduler, f function.Config) <-chan Result {
	t.Helper()
	ch := make(chan Result, 1)
	go func() {
		res, err := s.Invoke(context.Background(), Request{Function: f, RequestID: "blocked-" + f.Name, Payload: []byte(`"block"`)})
		if err != nil {
			t.Errorf("invoke %s: %v", f.Key(), err)
		}
		ch <- res
	}()
	return ch
}

func TestRevisionsGetTheirOwnPools(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	latest, v2 := rev("hello", "", "r1"), rev("hello", "2", "r2")
	if res := invoke(t, s, latest); !res.Cold {
		t.Error("the first invoke of $LATEST was warm")
	}
	if res := invoke(t, s, v2); !res.Cold {
		t.Error("version 2 ran warm, on an instance of $LATEST")
	}
	newer := rev("hello", "", "r3") // $LATEST with new code
	if res := invoke(t, s, newer); !res.Cold {
		t.Error("a new revision of $LATEST ran warm, on an instance of the old one")
	}
	for _, f := range []function.Config{latest, v2, newer} {
		if res := invoke(t, s, f); res.Cold {
			t.Errorf("the second invoke of %s was cold", f.Key())
		}
	}
	inst := l.instances()
	if len(inst) != 3 {
		t.Fatalf("%d launches, want one per revision", len(inst))
	}
	for i, f := range []function.Config{latest, v2, newer} {
		if inst[i].key != f.Key() || inst[i].invokes.Load() != 2 {
			t.Errorf("instance %d runs %s and had %d invokes, want %s and 2", i, inst[i].key, inst[i].invokes.Load(), f.Key())
		}
	}
}

func TestReservedConcurrencyCountsAcrossRevisions(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	open := gatedInvokes(l)
	defer open()
	one := 1
	latest, v2 := rev("hello", "", "r1"), rev("hello", "2", "r2")
	latest.ReservedConcurrency, v2.ReservedConcurrency = &one, &one
	busy := goInvokeBlocked(t, s, latest)
	testkit.Eventually(t, "the first invoke running", func() bool {
		inst := l.instances()
		return len(inst) == 1 && inst[0].invokes.Load() == 1
	})
	if _, err := s.Invoke(context.Background(), Request{Function: v2, RequestID: "v2"}); !errors.Is(err, ErrThrottled) {
		t.Errorf("version 2 while $LATEST holds the function's one: %v, want ErrThrottled", err)
	}
	// Another function is not counted.
	other := fn("other")
	other.ReservedConcurrency = &one
	invoke(t, s, other)
	open()
	<-busy
	invoke(t, s, v2)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.active) != 0 {
		t.Errorf("active counts %v with nothing running, want none", s.active)
	}
}

func TestRetire(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	open := gatedInvokes(l)
	defer open()
	f, other := rev("hello", "", "r1"), rev("hello", "2", "r2")
	busy := goInvokeBlocked(t, s, f)
	testkit.Eventually(t, "the busy invoke running", func() bool {
		inst := l.instances()
		return len(inst) == 1 && inst[0].invokes.Load() == 1
	})
	invoke(t, s, f) // a second instance, left idle
	invoke(t, s, other)
	inst := l.instances()
	if len(inst) != 3 {
		t.Fatalf("%d launches, want 3", len(inst))
	}
	busyInst, idleInst, otherInst := inst[0], inst[1], inst[2]

	s.Retire(f.Key(), "unknown:$LATEST#x")
	testkit.Eventually(t, "the retired idle instance destroyed", func() bool { return idleInst.destroyed.Load() == 1 })
	if busyInst.killed.Load() != 0 || busyInst.destroyed.Load() != 0 {
		t.Error("Retire touched the instance busy with an invoke")
	}
	if otherInst.destroyed.Load() != 0 {
		t.Error("Retire destroyed an instance of another revision")
	}
	if st := s.stats(); st.Sandboxes != 2 || st.Idle != 1 {
		t.Errorf("stats %+v after Retire, want 2 sandboxes (busy, other), 1 idle", st)
	}
	s.Retire(f.Key()) // again: nothing to do

	open()
	if res := <-busy; res.FunctionError() || string(res.Payload) != `"done"` {
		t.Errorf("the invoke in flight at Retire ended %s %s, want its answer", res.ErrorType, res.Payload)
	}
	testkit.Eventually(t, "the busy instance destroyed at release", func() bool { return busyInst.destroyed.Load() == 1 })
	if st := s.stats(); st.Sandboxes != 1 || st.Idle != 1 {
		t.Errorf("stats %+v once the busy one is released, want only the other revision's", st)
	}

	// A late invoke of the retired key still runs, on a fresh instance
	// that then serves warm.
	if res := invoke(t, s, f); !res.Cold {
		t.Error("an invoke after Retire was warm")
	}
	if res := invoke(t, s, f); res.Cold {
		t.Error("the key stayed retired: its second invoke after Retire was cold too")
	}
	if got := len(l.instances()); got != 4 {
		t.Errorf("%d launches, want 4", got)
	}
}

func TestRetireStopsProvisioning(t *testing.T) {
	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 1
	s, l, _ := newTest(t, Config{Provisioned: []function.Config{f}})
	s.provision(context.Background())
	if got := len(l.instances()); got != 1 {
		t.Fatalf("%d launches, want 1 provisioned", got)
	}
	s.Retire(f.Key())
	testkit.Eventually(t, "the provisioned instance destroyed", func() bool { return l.instances()[0].destroyed.Load() == 1 })
	s.provision(context.Background())
	if got := len(l.instances()); got != 1 {
		t.Errorf("%d launches after Retire, want no replacement", got)
	}
	if st := s.stats(); st.Sandboxes != 0 {
		t.Errorf("stats %+v, want nothing", st)
	}
}

// An instance whose revision is retired while it starts is destroyed once
// up, and not replaced.
func TestRetireWhileProvisioning(t *testing.T) {
	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 1
	s, l, _ := newTest(t, Config{Provisioned: []function.Config{f}})
	ready := make(chan struct{})
	l.prepare = func(fi *fakeInstance) { fi.ready = ready }
	done := make(chan struct{})
	go func() { s.provision(context.Background()); close(done) }()
	testkit.Eventually(t, "the launch", func() bool { return len(l.instances()) == 1 })
	s.Retire(f.Key())
	close(ready)
	<-done
	testkit.Eventually(t, "the instance destroyed", func() bool { return l.instances()[0].destroyed.Load() == 1 })
	if st := s.stats(); st.Sandboxes != 0 || len(l.instances()) != 1 {
		t.Errorf("stats %+v, %d launches; want nothing left and no replacement", st, len(l.instances()))
	}
}

// SetProvisioned's new instances start without waiting for Run's next
// round: the fake clock never moves.
func TestSetProvisionedAddsAtOnce(t *testing.T) {
	s, l, c := newTest(t, Config{IdleTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	testkit.Eventually(t, "Run waiting for its next round", func() bool { return c.Pending() == 1 })

	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 2
	s.SetProvisioned([]function.Config{f})
	testkit.Eventually(t, "2 provisioned instances idle", func() bool {
		return l.provisionedLaunches() == 2 && s.stats().Idle == 2
	})
	g := rev("pre", "2", "r2")
	g.ProvisionedConcurrency = 1
	s.SetProvisioned([]function.Config{f, g})
	testkit.Eventually(t, "version 2's provisioned instance idle", func() bool {
		return l.provisionedLaunches() == 3 && s.stats().Idle == 3
	})
	if got := s.provisionedOf(g.Key()); got != 1 {
		t.Errorf("version 2 has %d provisioned instances, want 1", got)
	}
	if res := invoke(t, s, g); res.Cold {
		t.Error("version 2's invoke was cold with its provisioned instance idle")
	}
}

func TestSetProvisionedBeforeRun(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 1
	s.SetProvisioned([]function.Config{f})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	testkit.Eventually(t, "the provisioned instance", func() bool { return l.provisionedLaunches() == 1 && s.stats().Idle == 1 })
}

// Lowered or removed, provisioned instances are demoted to ordinary ones:
// they stay, unreplaced, until the reaper takes them.
func TestSetProvisionedLowersAndRemoves(t *testing.T) {
	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 2
	s, l, c := newTest(t, Config{Provisioned: []function.Config{f}, IdleTimeout: time.Minute})
	s.provision(context.Background())
	if got := l.provisionedLaunches(); got != 2 {
		t.Fatalf("%d provisioned launches, want 2", got)
	}

	f.ProvisionedConcurrency = 1
	s.SetProvisioned([]function.Config{f})
	if got := s.provisionedOf(f.Key()); got != 1 {
		t.Errorf("%d provisioned after lowering to 1", got)
	}
	if st := s.stats(); st.Sandboxes != 2 || st.Idle != 2 {
		t.Errorf("stats %+v after lowering, want both instances kept", st)
	}
	c.Advance(2 * time.Minute)
	if n := s.ReapIdle(); n != 1 {
		t.Errorf("the reaper took %d, want the one demoted", n)
	}
	s.provision(context.Background())
	if got := l.provisionedLaunches(); got != 2 {
		t.Errorf("%d provisioned launches, want no replacement of the demoted one", got)
	}

	s.SetProvisioned(nil)
	if got := s.provisionedOf(f.Key()); got != 0 {
		t.Errorf("%d provisioned after removal", got)
	}
	if n := s.ReapIdle(); n != 1 {
		t.Errorf("the reaper took %d after removal, want the last one", n)
	}
	s.provision(context.Background())
	if st := s.stats(); st.Sandboxes != 0 || l.provisionedLaunches() != 2 {
		t.Errorf("stats %+v, %d provisioned launches; want nothing left, nothing new", st, l.provisionedLaunches())
	}
}

// A provisioned instance demoted while busy goes back to the pool as an
// ordinary one, one demoted while it starts arrives as an ordinary one.
func TestSetProvisionedLowersBusyAndStarting(t *testing.T) {
	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 1
	s, l, c := newTest(t, Config{Provisioned: []function.Config{f}, IdleTimeout: time.Minute})
	open := gatedInvokes(l)
	defer open()
	s.provision(context.Background())
	busy := goInvokeBlocked(t, s, f)
	testkit.Eventually(t, "the provisioned instance busy", func() bool { return l.instances()[0].invokes.Load() == 1 })
	s.SetProvisioned(nil)
	if got := s.provisionedOf(f.Key()); got != 0 {
		t.Errorf("%d provisioned after removal", got)
	}
	open()
	if res := <-busy; res.Cold || res.FunctionError() {
		t.Errorf("the invoke in flight: cold %v, %s %s", res.Cold, res.ErrorType, res.Payload)
	}
	if st := s.stats(); st.Idle != 1 {
		t.Errorf("stats %+v, want the demoted instance back idle", st)
	}

	// Demoted while launching (not yet known), and while in init.
	gate := make(chan struct{})
	l.gate = gate
	g := rev("pre", "2", "r2")
	g.ProvisionedConcurrency = 1
	s.SetProvisioned([]function.Config{g})
	done := make(chan struct{})
	go func() { s.provision(context.Background()); close(done) }()
	testkit.Eventually(t, "the launch begun", func() bool { return l.launching.Load() == 2 })
	s.SetProvisioned(nil)
	close(gate)
	<-done
	if got := s.provisionedOf(g.Key()); got != 0 {
		t.Errorf("%d provisioned of a revision demoted while launching", got)
	}
	if st := s.stats(); st.Sandboxes != 2 || st.Idle != 2 {
		t.Errorf("stats %+v, want both instances idle", st)
	}
	c.Advance(2 * time.Minute)
	if n := s.ReapIdle(); n != 2 {
		t.Errorf("the reaper took %d, want both demoted instances", n)
	}
}

func TestSetProvisionedWhileInInit(t *testing.T) {
	f := rev("pre", "", "r1")
	f.ProvisionedConcurrency = 1
	s, l, _ := newTest(t, Config{Provisioned: []function.Config{f}})
	ready := make(chan struct{})
	l.prepare = func(fi *fakeInstance) { fi.ready = ready }
	done := make(chan struct{})
	go func() { s.provision(context.Background()); close(done) }()
	testkit.Eventually(t, "the launch", func() bool { return len(l.instances()) == 1 })
	s.SetProvisioned(nil)
	close(ready)
	<-done
	if got := s.provisionedOf(f.Key()); got != 0 {
		t.Errorf("%d provisioned of a revision demoted in init", got)
	}
	if st := s.stats(); st.Sandboxes != 1 || st.Idle != 1 {
		t.Errorf("stats %+v, want the instance idle", st)
	}
}

// Invokes, Run, Retire and SetProvisioned at once: run with -race; the
// counts must come back to nothing and every instance be destroyed.
func TestRevisionChangesUnderLoad(t *testing.T) {
	s, l, _ := newTest(t, Config{IdleTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan struct{})
	go func() { s.Run(ctx); close(runDone) }()

	revs := []function.Config{rev("hot", "", "r1"), rev("hot", "", "r2"), rev("hot", "2", "r3")}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				f := revs[(i+j)%len(revs)]
				if _, err := s.Invoke(context.Background(), Request{Function: f, RequestID: "load"}); err != nil {
					t.Errorf("invoke %s: %v", f.Key(), err)
					return
				}
			}
		}()
	}
	for j := range 30 {
		f := revs[j%len(revs)]
		f.ProvisionedConcurrency = 1 + j%2
		s.SetProvisioned([]function.Config{f})
		s.Retire(revs[(j+1)%len(revs)].Key())
	}
	wg.Wait()
	cancel()
	<-runDone
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	s.Shutdown(shutdown)
	if st := s.stats(); st.Sandboxes != 0 || st.MemoryMB != 0 || st.Idle != 0 {
		t.Errorf("stats %+v after Shutdown, want nothing", st)
	}
	for _, inst := range l.instances() {
		if inst.destroyed.Load() != 1 {
			t.Errorf("instance %s (%s) destroyed %d times, want once", inst.id, inst.key, inst.destroyed.Load())
		}
	}
}
