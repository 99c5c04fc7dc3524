package launcher

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/scheduler"
)

// spare is a prestarted sandbox of one function, as spares keeps it.
type spare interface {
	ID() string
	Function() function.Config
	Held() bool // still prestarted: fit to start
	Destroy() error
}

// spares keeps prestarted sandboxes ready (sandbox.Prestart), at most one
// per function and limit in all, so that a cold start skips the sandbox's
// setup: namespaces, cgroup, mounts, libcontainer's re-exec. The function's
// runtime still starts and inits on demand, in a sandbox nothing ran in
// before; a spare is used once. Spares are outside the scheduler's counts
// (a held init does not run the function) but not free: each is a process
// and a cgroup. One worker makes them one at a time, and waits while a
// sandbox is being started on demand and for quiet after the last such
// start: making a spare takes a CPU for tens of milliseconds, which a burst
// of cold starts should not have to share.
type spares[T spare] struct {
	limit    int
	prestart func(function.Config) (T, error)
	clock    scheduler.Clock
	logger   *slog.Logger

	mu      sync.Mutex        // guards the fields below
	ready   map[string]T      // by function name
	queue   []function.Config // wanted, not yet made
	making  string            // the function whose spare is being made, if any
	starts  int               // cold starts under way (begin/end)
	lastEnd time.Time         // when the last of them ended (clock's time)
	quiet   time.Duration     // how long after it no spare is made
	calm    *sync.Cond        // starts fell to 0, or close
	closed  bool
	closing chan struct{} // closed by close
	wake    chan struct{} // the queue grew, or close
	stopped chan struct{} // the worker returned
}

// sparesQuiet is how long after a cold start spares wait to be made.
const sparesQuiet = 250 * time.Millisecond

func newSpares[T spare](limit int, prestart func(function.Config) (T, error), clock scheduler.Clock, logger *slog.Logger) *spares[T] {
	s := &spares[T]{
		limit: limit, prestart: prestart, clock: clock, logger: logger, quiet: sparesQuiet,
		ready: map[string]T{}, closing: make(chan struct{}), wake: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
	s.calm = sync.NewCond(&s.mu)
	go s.work()
	return s
}

// want asks for a spare of fn, if there is room for one more and fn has
// none and none coming; it reports whether room is left. Spares are never
// evicted for others: the functions prestarted at start keep theirs, and a
// used spare's room goes to its replacement.
func (s *spares[T]) want(fn function.Config) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.countLocked() >= s.limit {
		return false
	}
	_, ready := s.ready[fn.Name]
	queued := s.making == fn.Name || slices.ContainsFunc(s.queue, func(q function.Config) bool { return q.Name == fn.Name })
	if !ready && !queued && (fn.ReservedConcurrency == nil || *fn.ReservedConcurrency > 0) {
		s.queue = append(s.queue, fn)
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return s.countLocked() < s.limit
}

// countLocked is how many spares there are, will be, and are being made.
func (s *spares[T]) countLocked() int {
	n := len(s.ready) + len(s.queue)
	if s.making != "" {
		n++
	}
	return n
}

// begin and end bracket a sandbox started on demand; no spare is made
// meanwhile.
func (s *spares[T]) begin() {
	s.mu.Lock()
	s.starts++
	s.mu.Unlock()
}

func (s *spares[T]) end() {
	s.mu.Lock()
	s.starts--
	s.lastEnd = s.clock.Now()
	if s.starts == 0 {
		s.calm.Broadcast()
	}
	s.mu.Unlock()
}

// take hands over fn's spare, if it has one fit to start.
func (s *spares[T]) take(fn function.Config) (T, bool) {
	s.mu.Lock()
	p, ok := s.ready[fn.Name]
	delete(s.ready, fn.Name)
	s.mu.Unlock()
	if !ok {
		return p, false
	}
	if was := p.Function(); !p.Held() || was.Key() != fn.Key() || was.CodeDir != fn.CodeDir || was.ImageURI != fn.ImageURI || was.MemorySize != fn.MemorySize ||
		was.ZipFile != fn.ZipFile || !slices.Equal(was.Layers, fn.Layers) {
		s.destroy(p)
		var none T
		return none, false
	}
	return p, true
}

// retire destroys the spares of the revisions keys names
// (function.Config.Key), and forgets those wanted.
func (s *spares[T]) retire(keys []string) {
	s.mu.Lock()
	var gone []T
	for name, p := range s.ready {
		if slices.Contains(keys, p.Function().Key()) {
			gone = append(gone, p)
			delete(s.ready, name)
		}
	}
	s.queue = slices.DeleteFunc(s.queue, func(fn function.Config) bool { return slices.Contains(keys, fn.Key()) })
	s.mu.Unlock()
	for _, p := range gone {
		s.destroy(p)
	}
}

// work makes the spares wanted, one at a time, until close.
func (s *spares[T]) work() {
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
		s.waitQuiet()
		if s.closed {
			s.mu.Unlock()
			return
		}
		fn := s.queue[0]
		s.queue = s.queue[1:]
		s.making = fn.Name
		s.mu.Unlock()

		p, err := s.prestart(fn)
		s.mu.Lock()
		s.making = ""
		if err != nil {
			s.mu.Unlock()
			s.logger.Warn("spare sandbox not made", "function", fn.Name, "err", err)
			continue
		}
		if s.closed {
			s.mu.Unlock()
			s.destroy(p)
			return
		}
		s.ready[fn.Name] = p // want queues none for a function that has or gets one
		s.mu.Unlock()
	}
}

// waitQuiet waits, s.mu held, until no cold start is under way and none
// ended in the last s.quiet, or until close.
func (s *spares[T]) waitQuiet() {
	for !s.closed {
		if s.starts > 0 {
			s.calm.Wait()
			continue
		}
		wait := s.quiet - s.clock.Now().Sub(s.lastEnd)
		if wait <= 0 {
			return
		}
		s.mu.Unlock()
		select {
		case <-s.clock.After(wait):
		case <-s.closing:
		}
		s.mu.Lock()
	}
}

// close stops making spares and destroys those there are.
func (s *spares[T]) close() {
	s.mu.Lock()
	if !s.closed {
		close(s.closing)
	}
	s.closed = true
	s.calm.Broadcast()
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	<-s.stopped
	s.mu.Lock()
	left := s.ready
	s.ready, s.queue = map[string]T{}, nil
	s.mu.Unlock()
	for _, p := range left {
		s.destroy(p)
	}
}

func (s *spares[T]) destroy(p T) {
	if err := p.Destroy(); err != nil {
		s.logger.Error("spare sandbox not destroyed", "function", p.Function().Name, "sandbox", p.ID(), "err", err)
	}
}

// SparePids is the host pids a held spare may use: lambdad's init, a Go
// program holding the runtime back, and its threads (7 measured on the
// development VM). A host pids budget sets this much aside per spare.
const SparePids = 32
