package scheduler

import (
	"context"
	"time"
)

// Run keeps provisioned instances topped up and evicts idle instances until
// ctx ends. Its rounds come every provisionEvery (sooner with a short idle
// timeout), and at once when SetProvisioned changes the set.
func (s *Scheduler) Run(ctx context.Context) {
	every := provisionEvery
	if s.cfg.IdleTimeout > 0 {
		every = min(every, max(s.cfg.IdleTimeout/4, 10*time.Millisecond))
	}
	var tick <-chan time.Time
	for {
		s.provision(ctx)
		s.ReapIdle()
		if tick == nil {
			tick = s.clock.After(every)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick:
			tick = nil
		case <-s.wake: // the tick still counts from the last one
		}
	}
}

// ReapIdle destroys every idle instance whose runtime died, and every one
// idle for longer than the idle timeout but the provisioned ones; it returns
// how many it destroyed.
func (s *Scheduler) ReapIdle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.clock.Now().Add(-s.cfg.IdleTimeout)
	n := 0
	for _, p := range s.pools {
		keep := p.idle[:0]
		for _, sl := range p.idle {
			if dead(sl.inst) || s.cfg.IdleTimeout > 0 && !sl.provisioned && sl.lastUsed.Before(cutoff) {
				s.logger.Info("idle sandbox evicted", "function", sl.name, "sandbox", sl.inst.ID(), "dead", dead(sl.inst))
				if dead(sl.inst) {
					s.observeEvicted(sl, EvictDead)
				} else {
					s.observeEvicted(sl, EvictIdle)
				}
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

// dead tells whether inst's init has exited.
func dead(inst Instance) bool {
	select {
	case <-inst.Done():
		return true
	default:
		return false
	}
}
