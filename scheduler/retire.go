package scheduler

// Retire tells the scheduler that the function revisions named by keys
// (function.Config.Key) are gone: their code or configuration changed, or
// the function was deleted. Their idle instances are destroyed now; busy
// ones finish the invocation in flight undisturbed and are destroyed at its
// end instead of going back to a pool, as are those still starting. The
// revisions leave the provisioned set, so that their provisioned instances
// are not replaced. A key stays usable: an invocation of it that comes
// later (one that raced the change) cold-starts a fresh instance in a new
// pool. Keys unknown, or retired already, are ignored.
func (s *Scheduler) Retire(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range keys {
		delete(s.provisioned, key)
		p := s.pools[key]
		if p == nil {
			continue
		}
		delete(s.pools, key)
		p.retired = true
		for _, sl := range p.idle {
			s.logger.Info("idle sandbox of a retired revision destroyed", "function", sl.name, "revision", key, "sandbox", sl.inst.ID())
			s.observeEvicted(sl, EvictRetired)
			s.forgetLocked(sl)
			s.destroy(sl)
		}
		p.idle = nil
	}
}
