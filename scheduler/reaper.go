package scheduler

import (
	"context"
	"time"
)

// Run evicts idle instances until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	if s.cfg.IdleTimeout <= 0 {
		return
	}
	every := min(max(s.cfg.IdleTimeout/4, 10*time.Millisecond), 10*time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(every):
			s.ReapIdle()
		}
	}
}

// ReapIdle destroys every instance idle for longer than the idle timeout
// and returns how many it destroyed.
func (s *Scheduler) ReapIdle() int {
	if s.cfg.IdleTimeout <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.clock.Now().Add(-s.cfg.IdleTimeout)
	n := 0
	for _, p := range s.pools {
		keep := p.idle[:0]
		for _, sl := range p.idle {
			if sl.lastUsed.Before(cutoff) {
				s.logger.Info("idle sandbox evicted", "function", sl.function, "sandbox", sl.inst.ID())
				s.forgetLocked(sl)
				s.destroy(sl)
				n++
				continue
			}
			keep = append(keep, sl)
		}
		clear(p.idle[len(keep):])
		p.idle = keep
	}
	return n
}
