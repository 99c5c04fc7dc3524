package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/sandbox"
)

// fakeClock moves only when told to.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_800_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), ch})
	return ch
}

// Advance moves time on and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
			continue
		}
		keep = append(keep, t)
	}
	c.timers = keep
}

func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// fakeInstance plays a runtime as the test scripts it.
type fakeInstance struct {
	id       string
	readyErr error
	// neverReady makes WaitReady wait for ctx (an init that hangs or exits).
	neverReady bool
	// invoke answers an invocation; nil answers {"ok":true}.
	invoke func(ctx context.Context, inv runtimeapi.Invocation) (runtimeapi.Result, error)
	log    *Log

	mu        sync.Mutex
	exit      sandbox.ExitStatus
	stats     sandbox.Stats
	done      chan struct{}
	exited    bool
	frozen    bool
	freezes   int
	killed    atomic.Int32
	destroyed atomic.Int32
	invokes   atomic.Int32
}

func newFakeInstance(id string) *fakeInstance {
	return &fakeInstance{id: id, done: make(chan struct{}), log: NewLog(NewSink(nil), "fake")}
}

func (f *fakeInstance) ID() string { return f.id }

func (f *fakeInstance) WaitReady(ctx context.Context) error {
	if f.neverReady {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.readyErr
}

func (f *fakeInstance) Invoke(ctx context.Context, inv runtimeapi.Invocation) (runtimeapi.Result, error) {
	f.invokes.Add(1)
	f.mu.Lock()
	frozen := f.frozen
	f.mu.Unlock()
	if frozen {
		return runtimeapi.Result{}, errors.New("invoked while frozen")
	}
	if f.invoke != nil {
		return f.invoke(ctx, inv)
	}
	return runtimeapi.Result{Outcome: runtimeapi.Response, Body: []byte(`{"ok":true}`)}, nil
}

func (f *fakeInstance) Done() <-chan struct{} { return f.done }

// exitWith ends the fake's "process".
func (f *fakeInstance) exitWith(st sandbox.ExitStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.exited {
		f.exit, f.exited = st, true
		close(f.done)
	}
}

func (f *fakeInstance) ExitStatus() sandbox.ExitStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exit
}

func (f *fakeInstance) Stats() (sandbox.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats, nil
}

func (f *fakeInstance) PeakMemory() (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats.PeakMemoryBytes, nil
}

func (f *fakeInstance) Freeze() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen {
		return errors.New("already frozen")
	}
	f.frozen = true
	f.freezes++
	return nil
}

func (f *fakeInstance) Thaw() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.frozen {
		return errors.New("not frozen")
	}
	f.frozen = false
	return nil
}

func (f *fakeInstance) Kill() error {
	f.killed.Add(1)
	f.exitWith(sandbox.ExitStatus{Signal: 9})
	return nil
}

func (f *fakeInstance) Destroy() error {
	f.destroyed.Add(1)
	f.exitWith(sandbox.ExitStatus{Signal: 9})
	return nil
}

func (f *fakeInstance) Log() *Log { return f.log }

// fakeLauncher hands out fake instances, shaped by prepare.
type fakeLauncher struct {
	mu          sync.Mutex
	launched    []*fakeInstance
	provisioned int // launches asked for as provisioned
	prepare     func(*fakeInstance)
	launchErr   error
}

func (l *fakeLauncher) Launch(ctx context.Context, req LaunchRequest) (Instance, error) {
	if l.launchErr != nil {
		return nil, l.launchErr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if req.Provisioned {
		l.provisioned++
	}
	f := newFakeInstance(req.Function.Name + "-" + string(rune('a'+len(l.launched))))
	if l.prepare != nil {
		l.prepare(f)
	}
	l.launched = append(l.launched, f)
	return f, nil
}

func (l *fakeLauncher) instances() []*fakeInstance {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*fakeInstance(nil), l.launched...)
}
