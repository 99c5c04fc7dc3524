package main

import (
	"os"
	"os/signal"
	"syscall"
)

// forwarded are the signals init passes on to its child. Others are either
// the kernel's (SIGKILL, SIGSTOP), the Go runtime's (SIGURG), or mean
// nothing to a process that only supervises.
var forwarded = []os.Signal{
	syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCONT,
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER, which package syscall lacks.
const prSetChildSubreaper = 36

// supervisor reaps every child of init and forwards signals to the main one.
type supervisor struct {
	sigs chan os.Signal // forwarded signals; buffered so bursts are not lost
	chld chan os.Signal // SIGCHLD; one pending is enough, the reaper loops
}

// newSupervisor makes init a child subreaper and starts catching signals.
// Call it before starting the child, so that no signal is missed.
func newSupervisor() *supervisor {
	// Orphans are re-parented to a subreaper instead of to PID 1. Init is
	// PID 1 in a sandbox, where this changes nothing; in tests it is not,
	// and this lets it reap its grandchildren there too. Old kernels lack
	// it, which only matters for those tests.
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)

	s := &supervisor{
		sigs: make(chan os.Signal, 16),
		chld: make(chan os.Signal, 1),
	}
	signal.Notify(s.chld, syscall.SIGCHLD)
	signal.Notify(s.sigs, forwarded...)
	return s
}

// run forwards signals to child and reaps all children until child exits,
// then returns the code init should exit with.
func (s *supervisor) run(child int) int {
	for {
		if status, ok := reap(child); ok {
			return exitCode(status)
		}
		select {
		case <-s.chld:
		case sig := <-s.sigs:
			// child is not reaped yet, so its pid cannot have been reused.
			syscall.Kill(child, sig.(syscall.Signal))
		}
	}
}

// reap collects every child that has exited, and returns the status of
// child if it is among them.
func reap(child int) (syscall.WaitStatus, bool) {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			// ECHILD: no children left; 0: none has exited yet.
			return 0, false
		}
		if pid == child {
			return status, true
		}
	}
}

// exitCode is the shell's encoding of status: the exit code, or 128+n
// for death by signal n.
func exitCode(status syscall.WaitStatus) int {
	if status.Signaled() {
		return signalExit + int(status.Signal())
	}
	return status.ExitStatus()
}
