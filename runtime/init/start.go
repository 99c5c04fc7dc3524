package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// start starts argv as init's child, with init's environment, standard
// streams and working directory, and returns its pid. The child is waited
// for by the supervisor's reaper, not by an exec.Cmd, which would race with
// it for the exit status.
func start(argv []string) (int, error) {
	path, err := resolve(argv[0])
	if err != nil {
		return 0, err
	}
	return syscall.ForkExec(path, argv, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
	})
}

// waitRelease blocks until the daemon writes a byte to the hold pipe:
// a prestarted sandbox's init is up, and starts the command the moment the
// daemon lets it. The end of the pipe without a byte means the daemon is
// gone (or destroys the sandbox): the command must not start. The pipe is
// closed either way, so the command does not inherit it.
func waitRelease(pipe *os.File) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(pipe.Fd()), &st); err != nil {
		return fmt.Errorf("no hold pipe on fd %d: %w", pipe.Fd(), err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return fmt.Errorf("fd %d is not the hold pipe", pipe.Fd())
	}
	defer pipe.Close()
	var b [1]byte
	for {
		n, err := pipe.Read(b[:])
		switch {
		case n == 1:
			return nil
		case errors.Is(err, io.EOF):
			return errors.New("the daemon closed the hold pipe without releasing the command")
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return err
		}
	}
}

// resolve returns name itself if it contains a slash, else the first
// executable of that name in PATH, as a shell would.
func resolve(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		// A relative PATH entry: PATH is set by the daemon, so honour it.
		err = nil
	}
	if err != nil {
		return "", exec.ErrNotFound
	}
	return path, nil
}

// startExitCode maps a failure of start to the shell's exit codes: 127 when
// the command (or its interpreter) does not exist, 126 when it exists but
// cannot be executed.
func startExitCode(err error) int {
	switch {
	case errors.Is(err, exec.ErrNotFound),
		errors.Is(err, syscall.ENOENT),
		errors.Is(err, syscall.ENOTDIR):
		return exitNotFound
	default:
		return exitCannotExec
	}
}
