package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// fakeInstance plays a runtime as the test scripts it.
type fakeInstance struct {
	id       string
	key      string // the function revision it runs
	readyErr error
	// neverReady makes WaitReady wait for ctx (an init that hangs or exits).
	neverReady bool
	// ready, when not nil, holds WaitReady until it is closed (or ctx ends).
	ready chan struct{}
	// invoke answers an invocation; nil answers {"ok":true}.
	invoke func(ctx context.Context, ev Event) (Outcome, error)
	log    *Log
	// extensions, when not nil, plays extensions registered in the
	// instance: AwaitExtensions waits for it.
	extensions func(ctx context.Context) error

	mu        sync.Mutex
	exit      Exit
	peak      uint64
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
	if f.ready != nil {
		select {
		case <-f.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return f.readyErr
}

func (f *fakeInstance) Invoke(ctx context.Context, ev Event) (Outcome, error) {
	f.invokes.Add(1)
	f.mu.Lock()
	frozen := f.frozen
	f.mu.Unlock()
	if frozen {
		return Outcome{}, errors.New("invoked while frozen")
	}
	if f.invoke != nil {
		return f.invoke(ctx, ev)
	}
	return Outcome{Kind: Responded, Body: []byte(`{"ok":true}`)}, nil
}

func (f *fakeInstance) Done() <-chan struct{} { return f.done }

// exitWith ends the fake's "process".
func (f *fakeInstance) exitWith(st Exit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.exited {
		f.exit, f.exited = st, true
		close(f.done)
	}
}

func (f *fakeInstance) Exit() Exit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exit
}

func (f *fakeInstance) PeakMemory() (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak, nil
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
	f.exitWith(Exit{Signal: 9})
	return nil
}

func (f *fakeInstance) Destroy() error {
	f.destroyed.Add(1)
	f.exitWith(Exit{Signal: 9})
	return nil
}

func (f *fakeInstance) Log() *Log { return f.log }

func (f *fakeInstance) Extensions() bool { return f.extensions != nil }

func (f *fakeInstance) AwaitExtensions(ctx context.Context) error {
	if f.extensions == nil {
		return nil
	}
	return f.extensions(ctx)
}

// fakeLauncher hands out fake instances, shaped by prepare.
type fakeLauncher struct {
	mu          sync.Mutex
	launched    []*fakeInstance
	provisioned int // launches asked for as provisioned
	prepare     func(*fakeInstance)
	launchErr   error
	// gate, when not nil, holds every Launch until it is closed; launching
	// counts the Launches begun.
	gate      chan struct{}
	launching atomic.Int32
}

func (l *fakeLauncher) Launch(ctx context.Context, req LaunchRequest) (Instance, error) {
	l.launching.Add(1)
	if l.gate != nil {
		<-l.gate
	}
	if l.launchErr != nil {
		return nil, l.launchErr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if req.Provisioned {
		l.provisioned++
	}
	f := newFakeInstance(req.Function.Name + "-" + string(rune('a'+len(l.launched))))
	f.key = req.Function.Key()
	if l.prepare != nil {
		l.prepare(f)
	}
	l.launched = append(l.launched, f)
	return f, nil
}

// provisionedLaunches counts the launches asked for as provisioned.
func (l *fakeLauncher) provisionedLaunches() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.provisioned
}

func (l *fakeLauncher) instances() []*fakeInstance {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*fakeInstance(nil), l.launched...)
}

var _ Instance = (*fakeInstance)(nil)

// stats are the scheduler's counts, for tests.
type stats struct {
	Sandboxes, Idle, MemoryMB int
}

func (s *Scheduler) stats() stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := stats{Sandboxes: s.total, MemoryMB: s.memoryMB}
	for _, p := range s.pools {
		st.Idle += len(p.idle)
	}
	return st
}

// provisionedOf counts the provisioned instances of the revision key, alive
// or starting.
func (s *Scheduler) provisionedOf(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.pools[key]; p != nil {
		return p.provisioned
	}
	return 0
}
