package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
)

func fn(name string) function.Config {
	return function.Config{Name: name, Runtime: "provided.al2023", Handler: "bootstrap", MemorySize: 128, Timeout: 3}
}

func newTest(t *testing.T, cfg Config) (*Scheduler, *fakeLauncher, *testkit.FakeClock) {
	t.Helper()
	l := &fakeLauncher{}
	c := testkit.NewFakeClock()
	cfg.Launcher, cfg.Clock = l, c
	s := New(cfg)
	t.Cleanup(func() {
		// Bounded: a test that failed with invocations in flight kills them.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, l, c
}

func invoke(t *testing.T, s *Scheduler, f function.Config) Result {
	t.Helper()
	res, err := s.Invoke(context.Background(), Request{Function: f, RequestID: "req-" + f.Name, Payload: []byte(`{}`)})
	if err != nil {
		t.Fatalf("invoke %s: %v", f.Name, err)
	}
	return res
}

// goInvoke invokes in the background (Fatal is for the test's goroutine).
func goInvoke(t *testing.T, s *Scheduler, f function.Config) <-chan Result {
	t.Helper()
	ch := make(chan Result, 1)
	go func() {
		res, err := s.Invoke(context.Background(), Request{Function: f, RequestID: "req-" + f.Name, Payload: []byte(`{}`)})
		if err != nil {
			t.Errorf("invoke %s: %v", f.Name, err)
		}
		ch <- res
	}()
	return ch
}

// blockingInvokes makes every instance hold its invocation until release.
func blockingInvokes(l *fakeLauncher) (release func()) {
	ch := make(chan struct{})
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(ctx context.Context, inv Event) (Outcome, error) {
			select {
			case <-ch:
				return Outcome{Kind: Responded, Body: []byte(`"done"`)}, nil
			case <-ctx.Done():
				return Outcome{}, ctx.Err()
			}
		}
	}
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func TestWarmReuse(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	first, second := invoke(t, s, fn("hello")), invoke(t, s, fn("hello"))
	if !first.Cold || second.Cold || len(l.instances()) != 1 {
		t.Errorf("cold %v then %v, %d launches; want a cold start then a warm one", first.Cold, second.Cold, len(l.instances()))
	}
	if string(second.Payload) != `{"ok":true}` || second.FunctionError() {
		t.Errorf("result %+v", second)
	}
}

func TestConcurrentInvokesGetTheirOwnInstances(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	release := blockingInvokes(l)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); <-goInvoke(t, s, fn("hello")) }()
	}
	testkit.Eventually(t, "three instances", func() bool { return len(l.instances()) == 3 })
	release()
	wg.Wait()
	if st := s.stats(); st.Idle != 3 {
		t.Errorf("stats %+v, want 3 idle", st)
	}
}

func TestReservedConcurrencyThrottles(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	release := blockingInvokes(l)
	defer release()
	f := fn("hello")
	one := 1
	f.ReservedConcurrency = &one
	goInvoke(t, s, f)
	testkit.Eventually(t, "the first instance", func() bool { return len(l.instances()) == 1 })
	_, err := s.Invoke(context.Background(), Request{Function: f, RequestID: "second"})
	if !errors.Is(err, ErrThrottled) {
		t.Errorf("second invoke: %v, want ErrThrottled", err)
	}
	zero := 0
	f.ReservedConcurrency = &zero
	if _, err := s.Invoke(context.Background(), Request{Function: f}); !errors.Is(err, ErrThrottled) {
		t.Errorf("reserved 0: %v, want ErrThrottled", err)
	}
}

func TestLimitsEvictLeastRecentlyUsedIdle(t *testing.T) {
	s, l, c := newTest(t, Config{MaxSandboxes: 2})
	invoke(t, s, fn("a"))
	c.Advance(time.Second)
	invoke(t, s, fn("b"))
	c.Advance(time.Second)
	invoke(t, s, fn("c")) // evicts a, the least recently used
	inst := l.instances()
	testkit.Eventually(t, "a destroyed", func() bool { return inst[0].destroyed.Load() == 1 })
	if inst[1].destroyed.Load() != 0 {
		t.Error("b was evicted, a was the least recently used")
	}
	if st := s.stats(); st.Sandboxes != 2 {
		t.Errorf("stats %+v, want 2 sandboxes", st)
	}
}

// Each instance reserves its own pids limit against MaxPids: a third start
// beyond two instances' worth evicts an idle one, else is refused naming the
// pids budget.
func TestPidsBudgetReservesEachInstancesLimit(t *testing.T) {
	s, l, c := newTest(t, Config{MaxPids: 3*lambda.MaxPids - 1})
	invoke(t, s, fn("a"))
	c.Advance(time.Second)
	invoke(t, s, fn("b"))
	c.Advance(time.Second)
	invoke(t, s, fn("c")) // evicts a
	testkit.Eventually(t, "a evicted", func() bool { return l.instances()[0].destroyed.Load() == 1 })

	s, l, _ = newTest(t, Config{MaxPids: 3*lambda.MaxPids - 1})
	release := blockingInvokes(l)
	defer release()
	goInvoke(t, s, fn("a"))
	goInvoke(t, s, fn("b"))
	testkit.Eventually(t, "two busy instances", func() bool { return len(l.instances()) == 2 })
	_, err := s.Invoke(context.Background(), Request{Function: fn("d")})
	if !errors.Is(err, ErrPidsBudget) || !errors.Is(err, ErrThrottled) || !strings.Contains(err.Error(), "--max-pids") {
		t.Errorf("beyond the pids budget: %v, want ErrPidsBudget (a throttle naming --max-pids)", err)
	}
}

func TestLimitsThrottleWhenNothingIsIdle(t *testing.T) {
	s, l, _ := newTest(t, Config{MemoryBudgetMB: 256})
	release := blockingInvokes(l)
	defer release()
	goInvoke(t, s, fn("a"))
	goInvoke(t, s, fn("b"))
	testkit.Eventually(t, "two busy instances", func() bool { return len(l.instances()) == 2 })
	if _, err := s.Invoke(context.Background(), Request{Function: fn("c")}); !errors.Is(err, ErrThrottled) {
		t.Errorf("over the memory budget: %v, want ErrThrottled", err)
	}
	big := fn("big")
	big.MemorySize = 512
	if _, err := s.Invoke(context.Background(), Request{Function: big}); !errors.Is(err, ErrTooLargeForBudget) {
		t.Errorf("bigger than the budget: %v, want ErrTooLargeForBudget", err)
	}
}

// The function's timeout is the scheduler's clock's: the invoke ends when
// that clock passes the deadline, not a moment before, and real time does
// not end it (a 900 s timeout would outlast the test).
func TestTimeoutKillsAndDestroys(t *testing.T) {
	s, l, c := newTest(t, Config{})
	blockingInvokes(l)
	slow := fn("slow")
	slow.Timeout = 900
	results := goInvoke(t, s, slow)
	// The deadline timer is set before the event is handed over (a pending
	// timer alone may be the init timeout's).
	testkit.Eventually(t, "the deadline timer", func() bool {
		inst := l.instances()
		return len(inst) == 1 && inst[0].invokes.Load() == 1
	})
	c.Advance(slow.TimeoutDuration() - time.Millisecond)
	select {
	case res := <-results:
		t.Fatalf("the invoke ended before its deadline: %s %s", res.ErrorType, res.Payload)
	case <-time.After(50 * time.Millisecond):
	}
	c.Advance(time.Millisecond)
	var res Result
	select {
	case res = <-results:
	case <-time.After(testkit.EventuallyTimeout):
		t.Fatal("the invoke did not end when the scheduler's clock reached its deadline")
	}
	if res.ErrorType != lambda.ErrorTypeTimedOut ||
		!strings.Contains(string(res.Payload), `"errorMessage":"RequestId: req-slow Error: Task timed out after 900.00 seconds"`) {
		t.Errorf("result %s %s", res.ErrorType, res.Payload)
	}
	inst := l.instances()[0]
	testkit.Eventually(t, "destroy", func() bool { return inst.destroyed.Load() == 1 })
	if inst.killed.Load() == 0 {
		t.Error("the timed-out instance was not killed")
	}
	if !strings.Contains(string(res.Log), "Status: timeout") {
		t.Errorf("log %q lacks Status: timeout", res.Log)
	}
	l.mu.Lock()
	l.prepare = nil // the next instance answers at once
	l.mu.Unlock()
	if next := invoke(t, s, slow); !next.Cold {
		t.Error("the invoke after a timeout was warm")
	}
}

func TestRuntimeExitAndOOM(t *testing.T) {
	for _, tc := range []struct {
		name     string
		exit     Exit
		oom      bool
		wantType string
		wantMsg  string
	}{
		{"exit 3", Exit{Code: 3}, false, lambda.ErrorTypeExit, "Runtime exited with error: exit status 3"},
		{"clean exit", Exit{}, false, lambda.ErrorTypeExit, "Runtime exited without providing a reason"},
		{"killed", Exit{Signal: 9}, false, lambda.ErrorTypeExit, "Runtime exited with error: signal: killed"},
		{"oom", Exit{Signal: 9}, true, lambda.ErrorTypeOutOfMemory, "Runtime exited with error: signal: killed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, l, _ := newTest(t, Config{})
			l.prepare = func(f *fakeInstance) {
				f.invoke = func(ctx context.Context, _ Event) (Outcome, error) {
					exit := tc.exit
					exit.OOMKilled = tc.oom
					f.exitWith(exit)
					<-ctx.Done()
					return Outcome{}, ctx.Err()
				}
			}
			res := invoke(t, s, fn("crash"))
			if res.ErrorType != tc.wantType || !strings.Contains(string(res.Payload), tc.wantMsg) {
				t.Errorf("got %s %s, want %s %q", res.ErrorType, res.Payload, tc.wantType, tc.wantMsg)
			}
			inst := l.instances()[0]
			testkit.Eventually(t, "destroy", func() bool { return inst.destroyed.Load() == 1 })
		})
	}
}

func TestInitFailures(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prepare  func(*fakeInstance)
		wantType string
		wantBody string
	}{
		{"init error", func(f *fakeInstance) {
			f.readyErr = &InitError{ErrorType: "Runtime.ImportModuleError", Body: []byte(`{"errorType":"Runtime.ImportModuleError"}`)}
		}, "Runtime.ImportModuleError", `{"errorType":"Runtime.ImportModuleError"}`},
		{"no bootstrap", func(f *fakeInstance) {
			f.neverReady = true
			f.exitWith(Exit{Code: 127})
		}, lambda.ErrorTypeInvalidEntry, "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"},
		{"exit during init", func(f *fakeInstance) {
			f.neverReady = true
			f.exitWith(Exit{Code: 2})
		}, lambda.ErrorTypeExit, "Runtime exited with error: exit status 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, l, _ := newTest(t, Config{})
			l.prepare = tc.prepare
			res := invoke(t, s, fn("broken"))
			if res.ErrorType != tc.wantType || !strings.Contains(string(res.Payload), tc.wantBody) || !res.Cold {
				t.Errorf("got %s %s (cold %v), want %s %q", res.ErrorType, res.Payload, res.Cold, tc.wantType, tc.wantBody)
			}
			inst := l.instances()[0]
			testkit.Eventually(t, "destroy", func() bool { return inst.destroyed.Load() == 1 })
			if inst.invokes.Load() != 0 {
				t.Error("the event was handed to a runtime whose init failed")
			}
		})
	}
}

func TestInitTimeout(t *testing.T) {
	s, l, c := newTest(t, Config{})
	l.prepare = func(f *fakeInstance) { f.neverReady = true }
	results := goInvoke(t, s, fn("stuck"))
	testkit.Eventually(t, "the init timer", func() bool { return c.Pending() > 0 })
	c.Advance(lambda.InitTimeout)
	res := <-results
	if res.ErrorType != lambda.ErrorTypeTimedOut || !strings.Contains(string(res.Payload), "Init timed out after 10.00 seconds") {
		t.Errorf("got %s %s", res.ErrorType, res.Payload)
	}
}

func TestFunctionErrorKeepsTheInstance(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(context.Context, Event) (Outcome, error) {
			return Outcome{Kind: FunctionFailed, Body: []byte(`{"errorType":"ValueError"}`), ErrorType: "ValueError"}, nil
		}
	}
	first := invoke(t, s, fn("err"))
	second := invoke(t, s, fn("err"))
	if first.ErrorType != "ValueError" || string(first.Payload) != `{"errorType":"ValueError"}` || second.Cold {
		t.Errorf("first %+v, second cold %v", first, second.Cold)
	}
	if !strings.Contains(string(first.Log), "Status: error\tError Type: ValueError") {
		t.Errorf("log %q", first.Log)
	}
}

func TestResponseTooLargeResetsTheInstance(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(context.Context, Event) (Outcome, error) {
			return Outcome{Kind: ResponseTooLarge, Body: []byte(`{"errorType":"Function.ResponseSizeTooLarge"}`)}, nil
		}
	}
	res := invoke(t, s, fn("big"))
	if res.ErrorType != lambda.ErrorTypeResponseTooLarge {
		t.Errorf("got %s", res.ErrorType)
	}
	inst := l.instances()[0]
	testkit.Eventually(t, "destroy", func() bool { return inst.destroyed.Load() == 1 })
}

func TestIdleEviction(t *testing.T) {
	s, l, c := newTest(t, Config{IdleTimeout: time.Minute})
	invoke(t, s, fn("a"))
	c.Advance(30 * time.Second)
	invoke(t, s, fn("b"))
	c.Advance(31 * time.Second)
	if n := s.ReapIdle(); n != 1 {
		t.Errorf("reaped %d, want 1 (a only)", n)
	}
	inst := l.instances()
	testkit.Eventually(t, "a destroyed", func() bool { return inst[0].destroyed.Load() == 1 })
	if inst[1].destroyed.Load() != 0 || s.stats().Sandboxes != 1 {
		t.Errorf("b destroyed too early, stats %+v", s.stats())
	}
}

func TestDeadIdleInstanceIsReplaced(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	invoke(t, s, fn("a"))
	l.instances()[0].exitWith(Exit{Code: 1})
	if res := invoke(t, s, fn("a")); !res.Cold || res.FunctionError() {
		t.Errorf("after the idle instance died: cold %v, error %s", res.Cold, res.ErrorType)
	}
}

func TestShutdownWaitsThenDestroysEverything(t *testing.T) {
	l := &fakeLauncher{}
	s := New(Config{Launcher: l, Clock: testkit.NewFakeClock()})
	release := blockingInvokes(l)
	results := goInvoke(t, s, fn("busy"))
	testkit.Eventually(t, "a busy instance", func() bool { return len(l.instances()) == 1 })
	done := make(chan struct{})
	go func() { s.Shutdown(context.Background()); close(done) }()
	testkit.Eventually(t, "shutdown to begin", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.closed
	})
	if _, err := s.Invoke(context.Background(), Request{Function: fn("new")}); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("invoke during shutdown: %v, want ErrShuttingDown", err)
	}
	release()
	if res := <-results; string(res.Payload) != `"done"` {
		t.Errorf("the in-flight invoke got %s", res.Payload)
	}
	<-done
	if l.instances()[0].destroyed.Load() != 1 {
		t.Error("shutdown left an instance")
	}
}

func TestShutdownKillsWhatOverrunsTheBound(t *testing.T) {
	l := &fakeLauncher{}
	s := New(Config{Launcher: l, Clock: testkit.NewFakeClock()})
	blockingInvokes(l)
	results := goInvoke(t, s, fn("busy"))
	testkit.Eventually(t, "a busy instance", func() bool { return len(l.instances()) == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Shutdown(ctx)
	if res := <-results; res.ErrorType != lambda.ErrorTypeExit {
		t.Errorf("the killed invoke got %s %s", res.ErrorType, res.Payload)
	}
	if inst := l.instances()[0]; inst.killed.Load() == 0 || inst.destroyed.Load() != 1 {
		t.Error("shutdown did not kill and destroy the overrunning instance")
	}
}

func TestReportLine(t *testing.T) {
	f := fn("hello")
	res := &Result{Cold: true, Duration: 38660 * time.Microsecond, InitDuration: 203690 * time.Microsecond, MaxMemoryMB: 54}
	got := reportLine(Request{Function: f, RequestID: "id"}, res, "")
	want := "REPORT RequestId: id\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 54 MB\tInit Duration: 203.69 ms"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestWarmInstanceDyingBeforeTheEventIsRetried(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	invoke(t, s, fn("a"))
	dying := l.instances()[0]
	dying.invoke = func(ctx context.Context, _ Event) (Outcome, error) {
		dying.exitWith(Exit{Code: 1}) // its runtime exits before asking for the event
		<-ctx.Done()
		return Outcome{}, fmt.Errorf("%w: %w", ErrNotDelivered, ctx.Err())
	}
	res := invoke(t, s, fn("a"))
	if res.FunctionError() || !res.Cold || len(l.instances()) != 2 {
		t.Errorf("got %s %s (cold %v) after %d launches; want a success on a new instance", res.ErrorType, res.Payload, res.Cold, len(l.instances()))
	}
}

func TestFreezeIdle(t *testing.T) {
	s, l, _ := newTest(t, Config{FreezeIdle: true})
	for i := 0; i < 3; i++ {
		if res := invoke(t, s, fn("cold")); res.FunctionError() {
			t.Fatalf("invoke %d: %s %s", i, res.ErrorType, res.Payload)
		}
	}
	inst := l.instances()
	if len(inst) != 1 {
		t.Fatalf("%d instances, want one reused", len(inst))
	}
	inst[0].mu.Lock()
	defer inst[0].mu.Unlock()
	if !inst[0].frozen || inst[0].freezes != 3 {
		t.Errorf("frozen %v after %d freezes; want frozen between each of 3 invokes", inst[0].frozen, inst[0].freezes)
	}
}
