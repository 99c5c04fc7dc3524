package scheduler

import (
	"log/slog"
	"slices"
	"sync"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/sandbox"
)

// spares keeps prestarted sandboxes ready (sandbox.Prestart), at most one
// per function and limit in all, so that a cold start skips the sandbox's
// setup: namespaces, cgroup, mounts, libcontainer's re-exec. The function's
// runtime still starts and inits on demand, in a sandbox nothing ran in
// before; a spare is used once. Spares are outside the scheduler's counts
// (a held init does not run the function) but not free: each is a process
// and a cgroup. One worker makes them one at a time, so making spares never
// takes more than one CPU from invocations.
type spares struct {
	limit    int
	prestart func(function.Config) (*prepared, error)
	logger   *slog.Logger

	mu      sync.Mutex
	ready   map[string]*prepared // by function name
	order   []string             // ready's keys, the least recently made first
	queue   []function.Config    // wanted, not yet made
	closed  bool
	wake    chan struct{} // the queue grew, or close
	stopped chan struct{} // the worker returned
}

func newSpares(limit int, prestart func(function.Config) (*prepared, error), logger *slog.Logger) *spares {
	s := &spares{
		limit: limit, prestart: prestart, logger: logger,
		ready: map[string]*prepared{}, wake: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
	go s.work()
	return s
}

// want asks for a spare of fn unless it has one or one is coming; it
// reports whether there is room for more.
func (s *spares) want(fn function.Config) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.limit == 0 {
		return false
	}
	_, ready := s.ready[fn.Name]
	queued := slices.ContainsFunc(s.queue, func(q function.Config) bool { return q.Name == fn.Name })
	if !ready && !queued && (fn.ReservedConcurrency == nil || *fn.ReservedConcurrency > 0) {
		s.queue = append(s.queue, fn)
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return len(s.ready)+len(s.queue) < s.limit
}

// take hands over fn's spare, or nil if it has none fit to start.
func (s *spares) take(fn function.Config) *prepared {
	s.mu.Lock()
	p := s.ready[fn.Name]
	s.forgetLocked(fn.Name)
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	if p.sb.State() != sandbox.Prestarted || p.fn.CodeDir != fn.CodeDir || p.fn.MemorySize != fn.MemorySize {
		s.destroy(p)
		return nil
	}
	return p
}

func (s *spares) forgetLocked(name string) {
	delete(s.ready, name)
	s.order = slices.DeleteFunc(s.order, func(n string) bool { return n == name })
}

// work makes the spares wanted, one at a time, until close. A spare beyond
// limit replaces the least recently made one: a function just invoked is
// likelier to be invoked again than one that was not.
func (s *spares) work() {
	defer close(s.stopped)
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			<-s.wake
			continue
		}
		fn := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()

		p, err := s.prestart(fn)
		if err != nil {
			s.logger.Warn("spare sandbox not made", "function", fn.Name, "err", err)
			continue
		}
		var evicted []*prepared
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			s.destroy(p)
			return
		}
		if old := s.ready[fn.Name]; old != nil {
			evicted = append(evicted, old)
			s.forgetLocked(fn.Name)
		}
		for len(s.order) >= s.limit {
			evicted = append(evicted, s.ready[s.order[0]])
			s.forgetLocked(s.order[0])
		}
		s.ready[fn.Name] = p
		s.order = append(s.order, fn.Name)
		s.mu.Unlock()
		for _, e := range evicted {
			s.destroy(e)
		}
	}
}

// close stops making spares and destroys those there are.
func (s *spares) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.stopped
	s.mu.Lock()
	left := s.ready
	s.ready, s.order, s.queue = map[string]*prepared{}, nil, nil
	s.mu.Unlock()
	for _, p := range left {
		s.destroy(p)
	}
}

func (s *spares) destroy(p *prepared) {
	if err := p.sb.Destroy(); err != nil {
		s.logger.Error("spare sandbox not destroyed", "function", p.fn.Name, "sandbox", p.sb.ID(), "err", err)
	}
}
