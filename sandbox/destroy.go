package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/opencontainers/runc/libcontainer"
)

// Destroy kills what still runs and removes everything of the sandbox: its
// processes, its cgroup in every hierarchy, its libcontainer state directory
// and its network namespace. It is idempotent; after an error it may be
// called again.
func (s *Sandbox) Destroy() error {
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	if state == Destroyed {
		return nil
	}
	if state != Created {
		if err := s.killAll(); err != nil {
			return fmt.Errorf("destroy sandbox %s: %w", s.id, err)
		}
		if s.process != nil || state == Exited {
			ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
			defer cancel()
			if _, err := s.Wait(ctx); errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("destroy sandbox %s: %w: init not reaped after %s", s.id, ErrLeaked, killTimeout)
			}
		}
	}
	s.closePeak()
	if err := s.container.Destroy(); err != nil && !errors.Is(err, libcontainer.ErrNotExist) {
		return fmt.Errorf("destroy sandbox %s: %w", s.id, err)
	}
	if s.detach != nil {
		if err := s.detach(); err != nil {
			return fmt.Errorf("destroy sandbox %s: %w", s.id, err)
		}
		s.detach = nil
	}
	if s.net != nil {
		s.net.close()
	}
	s.mu.Lock()
	s.closeHoldLocked()
	if s.control != nil {
		s.control.Close()
		s.control = nil
	}
	s.mu.Unlock()
	if err := s.leftovers(); err != nil {
		return fmt.Errorf("destroy sandbox %s: %w", s.id, err)
	}
	// Only now that nothing of the sandbox runs may another take its uid.
	if s.userns != nil {
		s.uids.put(s.userns)
		s.userns = nil
	}
	s.mu.Lock()
	s.state = Destroyed
	s.mu.Unlock()
	return nil
}

// leftovers names what of the sandbox still exists, if anything.
func (s *Sandbox) leftovers() error {
	var left []string
	for _, p := range s.cgroup.GetPaths() {
		if _, err := os.Stat(p); err == nil {
			left = append(left, "cgroup "+p)
		}
	}
	if s.stateDir != "" {
		if _, err := os.Stat(s.stateDir); err == nil {
			left = append(left, s.stateDir)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("%w: %v", ErrLeaked, left)
	}
	return nil
}
