package sandbox

import (
	"fmt"
	"time"
)

// freezeAttempts is how many times Freeze tries: cgroup v1's freezer can
// stay FREEZING while processes fork (libcontainer gives up after 1000
// reads, thawing), and a later try usually succeeds.
const freezeAttempts = 3

// Freeze stops every process of the sandbox through the cgroup freezer.
func (s *Sandbox) Freeze() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != Running {
		return transitionError("freeze sandbox "+s.id, s.state)
	}
	var err error
	for i := range freezeAttempts {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if err = s.container.Pause(); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("freeze sandbox %s: %w", s.id, err)
	}
	s.state = Frozen
	return nil
}

// Thaw lets a frozen sandbox run again.
func (s *Sandbox) Thaw() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != Frozen {
		return transitionError("thaw sandbox "+s.id, s.state)
	}
	if err := s.container.Resume(); err != nil {
		return fmt.Errorf("thaw sandbox %s: %w", s.id, err)
	}
	s.state = Running
	return nil
}
