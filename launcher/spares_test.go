package launcher

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/internal/testkit"
)

// fakeSpare is a spare without a sandbox.
type fakeSpare struct {
	id        string
	fn        function.Config
	dead      atomic.Bool // its held init died
	destroyed atomic.Int32
}

func (f *fakeSpare) ID() string                { return f.id }
func (f *fakeSpare) Function() function.Config { return f.fn }
func (f *fakeSpare) Held() bool                { return !f.dead.Load() }
func (f *fakeSpare) Destroy() error            { f.destroyed.Add(1); return nil }

// spareMaker counts and records what it made; block, if set, holds each
// make until it is closed.
type spareMaker struct {
	mu      sync.Mutex
	made    []*fakeSpare
	fail    map[string]bool
	block   chan struct{}
	entered chan struct{} // with block: a make has begun
}

func (m *spareMaker) prestart(fn function.Config) (*fakeSpare, error) {
	if m.block != nil {
		m.entered <- struct{}{}
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail[fn.Name] {
		return nil, errors.New("no room")
	}
	s := &fakeSpare{id: fmt.Sprintf("s%d", len(m.made)), fn: fn}
	m.made = append(m.made, s)
	return s, nil
}

func (m *spareMaker) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.made)
}

func fnNamed(name string) function.Config {
	return function.Config{Name: name, MemorySize: 128, CodeDir: "/code/" + name}
}

func TestSparesLimitAndReplacement(t *testing.T) {
	m := &spareMaker{}
	s := newSpares(2, m.prestart, testkit.NewFakeClock(), slog.New(slog.DiscardHandler))
	defer s.close()
	if !s.want(fnNamed("a")) || s.want(fnNamed("b")) {
		t.Fatal("want: room after a, none after b, with a limit of 2")
	}
	if s.want(fnNamed("c")) {
		t.Error("want(c) beyond the limit reported room")
	}
	testkit.Eventually(t, "two spares", func() bool { return s.readyCount() == 2 })
	if _, ok := s.take(fnNamed("c")); ok {
		t.Error("took a spare of c, which never had one")
	}
	a, ok := s.take(fnNamed("a"))
	if !ok || a.fn.Name != "a" {
		t.Fatalf("take(a) = %v, %v", a, ok)
	}
	if _, ok := s.take(fnNamed("a")); ok {
		t.Error("a's spare taken twice")
	}
	// The used spare's room goes to its replacement, not to c.
	s.want(fnNamed("a"))
	s.want(fnNamed("c"))
	testkit.Eventually(t, "a's replacement", func() bool { return s.readyCount() == 2 })
	time.Sleep(20 * time.Millisecond) // a spare for c would be made by now
	if n := m.count(); n != 3 {
		t.Errorf("%d spares made, want 3 (a, b, a again)", n)
	}
}

func TestSparesUnfitOnesAreDestroyed(t *testing.T) {
	m := &spareMaker{}
	s := newSpares(4, m.prestart, testkit.NewFakeClock(), slog.New(slog.DiscardHandler))
	defer s.close()
	s.want(fnNamed("dead"))
	s.want(fnNamed("moved"))
	testkit.Eventually(t, "two spares", func() bool { return s.readyCount() == 2 })
	m.made[0].dead.Store(true)
	if _, ok := s.take(fnNamed("dead")); ok || m.made[0].destroyed.Load() != 1 {
		t.Error("a spare whose init died was handed out or kept")
	}
	moved := fnNamed("moved")
	moved.CodeDir = "/elsewhere"
	if _, ok := s.take(moved); ok || m.made[1].destroyed.Load() != 1 {
		t.Error("a spare of the function's old code was handed out or kept")
	}
}

func TestSparesSkipFunctionsThatNeverRun(t *testing.T) {
	m := &spareMaker{fail: map[string]bool{"broken": true}}
	s := newSpares(4, m.prestart, testkit.NewFakeClock(), slog.New(slog.DiscardHandler))
	defer s.close()
	zero := 0
	throttled := fnNamed("throttled")
	throttled.ReservedConcurrency = &zero
	s.want(throttled)
	s.want(fnNamed("broken"))
	s.want(fnNamed("ok"))
	testkit.Eventually(t, "ok's spare", func() bool { return s.readyCount() == 1 })
	if _, ok := s.take(fnNamed("ok")); !ok {
		t.Error("no spare for ok")
	}
	if n := m.count(); n != 1 {
		t.Errorf("%d spares made, want only ok's", n)
	}
}

func TestSparesWaitWhileASandboxStarts(t *testing.T) {
	m := &spareMaker{}
	clock := testkit.NewFakeClock()
	s := newSpares(4, m.prestart, clock, slog.New(slog.DiscardHandler))
	defer s.close()
	s.begin()
	s.want(fnNamed("a"))
	time.Sleep(20 * time.Millisecond) // the worker would have made it by now
	if n := m.count(); n != 0 {
		t.Fatalf("%d spares made during a cold start, want none", n)
	}
	s.end()
	clock.Advance(sparesQuiet)
	testkit.Eventually(t, "the spare after the start", func() bool { return s.readyCount() == 1 })
}

// A burst of cold starts keeps spares from being made: the worker waits for
// quiet after the last start has ended, on the launcher's clock.
func TestSparesWaitForQuietAfterAStart(t *testing.T) {
	m := &spareMaker{}
	clock := testkit.NewFakeClock()
	s := newSpares(4, m.prestart, clock, slog.New(slog.DiscardHandler))
	defer s.close()
	s.begin()
	s.want(fnNamed("a"))
	s.end()
	testkit.Eventually(t, "the worker to wait for quiet", func() bool { return clock.Pending() == 1 })
	clock.Advance(sparesQuiet - time.Millisecond)
	time.Sleep(20 * time.Millisecond) // the worker would have made it by now
	if n := m.count(); n != 0 {
		t.Fatalf("%d spares made within %s of a cold start, want none before %s of quiet", n, sparesQuiet-time.Millisecond, sparesQuiet)
	}
	clock.Advance(time.Millisecond)
	testkit.Eventually(t, "the spare after the quiet", func() bool { return s.readyCount() == 1 })
}

// close does not wait out the quiet.
func TestSparesCloseDuringQuiet(t *testing.T) {
	m := &spareMaker{}
	s := newSpares(4, m.prestart, testkit.NewFakeClock(), slog.New(slog.DiscardHandler))
	s.begin()
	s.want(fnNamed("a"))
	s.end()
	done := make(chan struct{})
	go func() { s.close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("close waited for the quiet after a cold start")
	}
	if n := m.count(); n != 0 {
		t.Errorf("%d spares made, want none", n)
	}
	s.close() // twice is fine
}

func TestSparesCloseDestroysEverything(t *testing.T) {
	m := &spareMaker{block: make(chan struct{}), entered: make(chan struct{}, 2)}
	s := newSpares(4, m.prestart, testkit.NewFakeClock(), slog.New(slog.DiscardHandler))
	s.want(fnNamed("a"))
	s.want(fnNamed("b"))
	<-m.entered
	closed := make(chan struct{})
	go func() { s.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("close returned while a spare was being made")
	case <-time.After(20 * time.Millisecond):
	}
	close(m.block) // the spare in the making completes, and is destroyed
	<-closed
	for _, sp := range m.made {
		if sp.destroyed.Load() != 1 {
			t.Errorf("spare %s of %s destroyed %d times, want once", sp.id, sp.fn.Name, sp.destroyed.Load())
		}
	}
	if n := m.count(); n != 1 {
		t.Errorf("%d spares made, want 1: none after close", n)
	}
	if s.want(fnNamed("c")) {
		t.Error("want after close reported room")
	}
}

// A function wanted again while its spare is being made gets one spare,
// and the one in the making counts against the limit.
func TestSparesOneInTheMaking(t *testing.T) {
	m := &spareMaker{block: make(chan struct{}), entered: make(chan struct{}, 4)}
	s := newSpares(2, m.prestart, testkit.NewFakeClock(), slog.New(slog.DiscardHandler))
	defer s.close()
	s.want(fnNamed("a"))
	<-m.entered // a's spare is being made: neither ready nor queued
	s.want(fnNamed("a"))
	if s.want(fnNamed("b")) {
		t.Error("room reported with a in the making and b queued, at a limit of 2")
	}
	if s.want(fnNamed("c")) {
		t.Error("c queued beyond the limit")
	}
	close(m.block)
	testkit.Eventually(t, "a's and b's spares", func() bool { return s.readyCount() == 2 })
	time.Sleep(20 * time.Millisecond) // a second spare of a would be made by now
	if n := m.count(); n != 2 {
		t.Errorf("%d spares made, want 2 (a once, b)", n)
	}
}
