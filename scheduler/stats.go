package scheduler

// Stats is a count of the scheduler's instances by state, and of the
// memory they hold against the budget.
type Stats struct {
	// Starting: launching, or in their init. Busy: running an invocation
	// (or its extensions' part). Idle: initialised and waiting, but
	// Provisioned: those of them kept ahead of demand.
	Starting, Busy, Idle, Provisioned int
	// MemoryMB is the MemorySize of every instance counted, and
	// MemoryBudgetMB the budget (0: none).
	MemoryMB, MemoryBudgetMB int
}

// Stats counts the instances by state; it walks every pool, under the
// scheduler's lock.
func (s *Scheduler) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{MemoryMB: s.memoryMB, MemoryBudgetMB: s.cfg.MemoryBudgetMB}
	ready := 0
	for sl := range s.all {
		if sl.initialised {
			ready++
		}
	}
	for _, p := range s.pools {
		for _, sl := range p.idle {
			if sl.provisioned {
				st.Provisioned++
			} else {
				st.Idle++
			}
		}
	}
	st.Starting = s.total - ready // reservations not yet launched, and inits
	st.Busy = ready - st.Idle - st.Provisioned
	return st
}
