package scheduler

import (
	"context"
)

// StopAccepting makes every later invocation fail with ErrShuttingDown at
// once, and stops provisioning; invocations already running go on. The
// daemon calls it first thing at shutdown, before waiting for anything.
func (s *Scheduler) StopAccepting() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// Shutdown stops accepting invocations, lets those in flight finish until
// ctx ends, then kills what still runs (and any instance that finishes
// launching afterwards) and destroys every instance. It returns once
// nothing of any instance is left.
func (s *Scheduler) Shutdown(ctx context.Context) {
	s.StopAccepting()
	finished := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		s.mu.Lock()
		s.killing = true
		for sl := range s.all {
			sl.inst.Kill() // their invocations see the exit and release them
		}
		s.mu.Unlock()
		<-finished
	}
	s.mu.Lock()
	for _, p := range s.pools {
		for _, sl := range p.idle {
			s.forgetLocked(sl)
			s.destroy(sl)
		}
		p.idle = nil
	}
	s.mu.Unlock()
	s.teardown.Wait()
}

// registerLocked counts sl's new instance among those Shutdown kills, and
// kills it at once if Shutdown already killed the others.
func (s *Scheduler) registerLocked(sl *slot) {
	s.all[sl] = struct{}{}
	if s.killing {
		sl.inst.Kill()
	}
}
