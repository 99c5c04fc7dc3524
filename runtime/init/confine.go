package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"unsafe"
)

// Constants package syscall lacks.
const (
	seccompSetModeFilter   = 1 // SECCOMP_SET_MODE_FILTER
	seccompFilterFlagTsync = 1 // SECCOMP_FILTER_FLAG_TSYNC
	prSetNoNewPrivs        = 38
	maxFilterInstructions  = 4096
	sockFilterSize         = int(unsafe.Sizeof(syscall.SockFilter{}))
)

// undumpable makes init's memory and /proc files unreachable to the
// function: a process that is not dumpable cannot be ptraced, nor its
// /proc/1/mem, environ or fds read, by a process of the same uid without
// CAP_SYS_PTRACE — which nothing in a sandbox has. The command init starts
// is dumpable again (execve resets it), so a function may debug itself.
func undumpable() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); errno != 0 {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE, 0): %w", errno)
	}
	return nil
}

// confine installs the seccomp filter the daemon passes on fd, a classic
// BPF program (struct sock_filter[]) read to its end, on every thread of
// init; the command init starts inherits it. The fd is closed.
func confine(fd int) error {
	f := os.NewFile(uintptr(fd), "seccomp")
	if f == nil {
		return fmt.Errorf("no seccomp filter on fd %d", fd)
	}
	prog, err := io.ReadAll(io.LimitReader(f, int64(maxFilterInstructions*sockFilterSize+1)))
	f.Close()
	switch {
	case err != nil:
		return fmt.Errorf("read seccomp filter on fd %d: %w", fd, err)
	case len(prog) == 0 || len(prog)%sockFilterSize != 0 || len(prog) > maxFilterInstructions*sockFilterSize:
		return fmt.Errorf("seccomp filter on fd %d: %d bytes is no program", fd, len(prog))
	}
	// The filter needs no_new_privs without CAP_SYS_ADMIN; the sandbox has
	// it set already, and setting it again is harmless.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); errno != 0 {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", errno)
	}
	fprog := syscall.SockFprog{
		Len:    uint16(len(prog) / sockFilterSize),
		Filter: (*syscall.SockFilter)(unsafe.Pointer(&prog[0])),
	}
	r, _, errno := syscall.RawSyscall(sysSeccomp, seccompSetModeFilter, seccompFilterFlagTsync, uintptr(unsafe.Pointer(&fprog)))
	switch {
	case errno != 0:
		return fmt.Errorf("install seccomp filter: %w", errno)
	case r != 0:
		// TSYNC answers the id of a thread it could not synchronise.
		return errors.New("install seccomp filter: thread " + fmt.Sprint(r) + " cannot take it")
	}
	return nil
}
