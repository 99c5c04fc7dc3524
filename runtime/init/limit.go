package main

import (
	"fmt"
	"syscall"
)

// limitOpenFiles sets init's soft and hard RLIMIT_NOFILE to n, which the
// command inherits. The daemon cannot set it from outside: the sandbox's
// processes are in a user namespace the daemon did not create as their
// uid, and prlimit(2) on them would need CAP_SYS_RESOURCE, which a daemon
// in a container may lack. Lowering one's own limits needs no privilege.
func limitOpenFiles(n uint64) error {
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		return fmt.Errorf("setrlimit(RLIMIT_NOFILE, %d): %w", n, err)
	}
	return nil
}
