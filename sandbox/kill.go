package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// killTimeout bounds how long Kill and Destroy wait for the kernel to finish
// killing a sandbox's processes.
const killTimeout = 10 * time.Second

// Kill kills every process in the sandbox's cgroup, whatever it does:
// ignoring SIGTERM, double-forking and fork loops included. It returns once
// the cgroup is empty.
func (s *Sandbox) Kill() error {
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch state {
	case Created, Destroyed:
		return nil
	}
	if err := s.killAll(); err != nil {
		return fmt.Errorf("kill sandbox %s: %w", s.id, err)
	}
	return nil
}

func (s *Sandbox) killAll() error {
	if !s.cgroup.Exists() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	for {
		if err := s.killOnce(); err != nil {
			return err
		}
		pids, err := s.cgroup.GetAllPids()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %d processes still in the cgroup after %s", ErrLeaked, len(pids), killTimeout)
		case <-time.After(time.Millisecond):
		}
	}
}

// killOnce writes cgroup.kill where the kernel has it (cgroup v2, or the
// unified hierarchy of a hybrid host); else it freezes the cgroup so nothing
// can fork, SIGKILLs every pid and thaws it so the signals are delivered.
func (s *Sandbox) killOnce() error {
	if p := s.cgroup.Path(""); p != "" && !s.killWithFreezer {
		err := cgroups.WriteFile(p, "cgroup.kill", "1")
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			s.thawIfFrozen()
			return err
		}
	}
	frozen := true
	if err := s.cgroup.Freeze(cgroups.Frozen); err != nil {
		// A crash while libcontainer made the cgroup, hierarchy by
		// hierarchy, left no freezer one; or cgroup v1's freezer gave up
		// ("unable to freeze": processes forking as it reads, and it
		// thawed). Kill without freezing: killAll goes round until the
		// cgroup is empty, and each round kills what the last one missed.
		frozen = false
		s.thawIfFrozen()
	}
	pids, err := s.cgroup.GetAllPids()
	if err == nil {
		for _, pid := range pids {
			if err := unix.Kill(pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
				return fmt.Errorf("kill %d: %w", pid, err)
			}
		}
	}
	if frozen {
		if terr := s.cgroup.Freeze(cgroups.Thawed); terr != nil {
			return fmt.Errorf("thaw: %w", terr)
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil // nothing there to kill
	}
	return err
}

// thawIfFrozen lets killed processes of a frozen cgroup run to their death.
func (s *Sandbox) thawIfFrozen() {
	if st, err := s.cgroup.GetFreezerState(); err == nil && st == cgroups.Frozen {
		_ = s.cgroup.Freeze(cgroups.Thawed)
	}
}
