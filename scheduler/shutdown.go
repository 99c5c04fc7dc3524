package scheduler

import (
	"context"
)

// Shutdown stops accepting invocations, lets those in flight finish until
// ctx ends, then kills what still runs and destroys every instance. It
// returns once nothing of any instance is left.
func (s *Scheduler) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		s.mu.Lock()
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
