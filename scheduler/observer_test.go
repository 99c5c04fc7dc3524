package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
)

// recorder is an Observer that writes down what it hears.
type recorder struct {
	mu        sync.Mutex
	invoked   []string // "function kind error-type" or "function error"
	inits     []StartPhases
	throttles []string // "function reason"
	evictions []string // "function reason"
}

func (r *recorder) Invoked(req Request, start StartKind, res Result, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.invoked = append(r.invoked, req.Function.Name+" error")
		return
	}
	r.invoked = append(r.invoked, fmt.Sprintf("%s %s %s", req.Function.Name, start, res.ErrorType))
}

func (r *recorder) Initialised(function string, phases StartPhases) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inits = append(r.inits, phases)
}

func (r *recorder) Throttled(function string, reason ThrottleReason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.throttles = append(r.throttles, function+" "+string(reason))
}

func (r *recorder) Evicted(function string, reason EvictReason) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evictions = append(r.evictions, function+" "+string(reason))
}

func (r *recorder) heard() (invoked, throttles, evictions []string, inits []StartPhases) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.invoked), slices.Clone(r.throttles), slices.Clone(r.evictions), slices.Clone(r.inits)
}

func expect(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

// phasedInstance is a fake whose launch tells its phases, as the
// launcher's instances do.
type phasedInstance struct {
	*fakeInstance
	phases StartPhases
}

func (p phasedInstance) Phases() StartPhases { return p.phases }

// phasedLauncher launches fakes with phases: on a spare for every name in
// spares.
type phasedLauncher struct {
	*fakeLauncher
	spares map[string]bool
}

func (l phasedLauncher) Launch(ctx context.Context, req LaunchRequest) (Instance, error) {
	inst, err := l.fakeLauncher.Launch(ctx, req)
	if err != nil {
		return nil, err
	}
	if l.spares[req.Function.Name] {
		return phasedInstance{inst.(*fakeInstance), StartPhases{Spare: true, Start: time.Millisecond}}, nil
	}
	return phasedInstance{inst.(*fakeInstance), StartPhases{Create: 20 * time.Millisecond, Start: time.Millisecond}}, nil
}

// The Observer hears how each invocation got its instance (cold, spare,
// warm, provisioned), with its error type; each init with its phases; and
// nothing of a function that did not run but that it failed.
func TestObserverStarts(t *testing.T) {
	rec := &recorder{}
	l := &fakeLauncher{}
	c := testkit.NewFakeClock()
	pre := fn("pre")
	pre.ProvisionedConcurrency = 1
	s := New(Config{Launcher: phasedLauncher{l, map[string]bool{"spared": true}}, Clock: c, Observer: rec, Provisioned: []function.Config{pre}})
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	s.provision(context.Background())

	invoke(t, s, fn("hello"))
	invoke(t, s, fn("hello"))
	invoke(t, s, fn("spared"))
	invoke(t, s, pre)
	failing := fn("failing")
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(context.Context, Event) (Outcome, error) {
			return Outcome{Kind: FunctionFailed, ErrorType: "ValueError", Body: []byte(`{}`)}, nil
		}
	}
	invoke(t, s, failing)
	l.prepare = nil
	l.launchErr = errors.New("no room on disk")
	if _, err := s.Invoke(context.Background(), Request{Function: fn("broken")}); err == nil {
		t.Fatal("a failed launch ran")
	}

	invoked, throttles, evictions, inits := rec.heard()
	expect(t, "invocations", invoked, []string{"hello cold ", "hello warm ", "spared spare ", "pre provisioned ",
		"failing cold ValueError", "broken error"})
	expect(t, "throttles", throttles, nil)
	expect(t, "evictions", evictions, nil)
	if len(inits) != 4 { // pre, hello, spared, failing
		t.Fatalf("%d inits heard, want 4: %+v", len(inits), inits)
	}
	if p := inits[0]; p.Spare || p.Create != 20*time.Millisecond || p.Start != time.Millisecond {
		t.Errorf("provisioned start's phases %+v", p)
	}
	if p := inits[2]; !p.Spare || p.Create != 0 {
		t.Errorf("spare start's phases %+v", p)
	}
}

// A timeout is an invocation whose error type is Sandbox.Timedout, and the
// next start is cold again.
func TestObserverTimeout(t *testing.T) {
	rec := &recorder{}
	s, l, c := newTest(t, Config{Observer: rec})
	release := blockingInvokes(l)
	defer release()
	f := fn("slow")
	done := goInvoke(t, s, f)
	// The deadline is armed before the event goes to the instance (the
	// clock's other timer, init's, is pending before that).
	testkit.Eventually(t, "the event taken", func() bool {
		insts := l.instances()
		return len(insts) == 1 && insts[0].invokes.Load() == 1
	})
	c.Advance(f.TimeoutDuration())
	if res := <-done; res.ErrorType != lambda.ErrorTypeTimedOut {
		t.Fatalf("result %s", res.ErrorType)
	}
	invoked, _, evictions, _ := rec.heard()
	expect(t, "invocations", invoked, []string{"slow cold " + lambda.ErrorTypeTimedOut})
	expect(t, "evictions", evictions, nil) // destroyed by its invocation, not evicted
}

// Throttles name the limit that was full; an idle instance evicted for
// room is one of limits.
func TestObserverThrottles(t *testing.T) {
	rec := &recorder{}
	s, l, _ := newTest(t, Config{Observer: rec, MaxSandboxes: 2})
	release := blockingInvokes(l)
	defer release()
	reserved := fn("reserved")
	one := 1
	reserved.ReservedConcurrency = &one
	first, second := goInvoke(t, s, reserved), goInvoke(t, s, fn("other"))
	testkit.Eventually(t, "two busy", func() bool { return s.Stats().Busy == 2 })
	for _, f := range []function.Config{reserved, fn("third")} {
		if _, err := s.Invoke(context.Background(), Request{Function: f}); !errors.Is(err, ErrThrottled) {
			t.Errorf("%s: %v, want ErrThrottled", f.Name, err)
		}
	}
	release()
	<-first
	<-second
	invoke(t, s, fn("third")) // evicts one of the two idle
	_, throttles, evictions, _ := rec.heard()
	expect(t, "throttles", throttles, []string{"reserved reserved_concurrency", "third sandboxes"})
	if len(evictions) != 1 || !strings.HasSuffix(evictions[0], " limits") {
		t.Errorf("evictions %q, want one for limits", evictions)
	}

	rec = &recorder{}
	s, l, _ = newTest(t, Config{Observer: rec, MemoryBudgetMB: 256})
	release = blockingInvokes(l)
	defer release()
	busy := goInvoke(t, s, fn("a"))
	testkit.Eventually(t, "a busy", func() bool { return s.Stats().Busy == 1 })
	big := fn("big")
	big.MemorySize = 200
	if _, err := s.Invoke(context.Background(), Request{Function: big}); !errors.Is(err, ErrThrottled) {
		t.Errorf("big: %v, want ErrThrottled", err)
	}
	release()
	<-busy
	_, throttles, _, _ = rec.heard()
	expect(t, "throttles", throttles, []string{"big memory"})
}

// Evictions name why an idle instance went: idle, dead, retired.
func TestObserverEvictions(t *testing.T) {
	rec := &recorder{}
	s, l, c := newTest(t, Config{Observer: rec, IdleTimeout: time.Minute})
	invoke(t, s, fn("a"))
	invoke(t, s, fn("b"))
	invoke(t, s, fn("c"))
	l.instances()[1].exitWith(Exit{Code: 1})
	s.ReapIdle() // b
	c.Advance(2 * time.Minute)
	invoke(t, s, fn("c")) // c is used again, a stays idle too long
	s.ReapIdle()
	s.Retire(fn("c").Key())
	_, _, evictions, _ := rec.heard()
	expect(t, "evictions", evictions, []string{"b dead", "a idle", "c retired"})
}

// Stats counts instances by state.
func TestStats(t *testing.T) {
	pre := fn("pre")
	pre.ProvisionedConcurrency = 1
	s, l, _ := newTest(t, Config{Provisioned: []function.Config{pre}, MemoryBudgetMB: 4096})
	s.provision(context.Background())
	invoke(t, s, fn("idle"))
	release := blockingInvokes(l)
	defer release()
	busy := goInvoke(t, s, fn("busy"))
	testkit.Eventually(t, "busy", func() bool { return s.Stats().Busy == 1 })
	gate := make(chan struct{})
	l.gate = gate
	open := sync.OnceFunc(func() { close(gate) })
	defer open() // before the cleanup's Shutdown, which waits for the launch
	starting := goInvoke(t, s, fn("starting"))
	testkit.Eventually(t, "starting", func() bool { return l.launching.Load() == 4 })
	want := Stats{Starting: 1, Busy: 1, Idle: 1, Provisioned: 1, MemoryMB: 4 * 128, MemoryBudgetMB: 4096}
	if st := s.Stats(); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	open()
	release()
	<-busy
	<-starting
}
