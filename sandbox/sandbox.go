package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// Sandbox is one function instance: a libcontainer container whose init is
// the in-sandbox init, which starts the request's command.
type Sandbox struct {
	id        string
	req       CreateRequest
	stateDir  string
	container *libcontainer.Container
	cgroup    cgroups.Manager
	net       *runtimeNet // nil unless CreateRequest.RuntimeAPIAddr

	mu    sync.Mutex
	state State

	process *libcontainer.Process
	done    chan struct{} // closed when the init has exited and been reaped
	exit    ExitStatus
	waitErr error

	peakMu   sync.Mutex
	peakFile *os.File // memory.peak or memory.max_usage_in_bytes, opened by PeakMemory

	// killWithFreezer forces the cgroup v1 way of killing (tests).
	killWithFreezer bool
}

// ExitStatus is how the sandbox's init ended.
type ExitStatus struct {
	Code   int            // exit code, if it exited
	Signal syscall.Signal // the signal that killed it, or 0
}

// String reads like Go's os.ProcessState, which is what Lambda's error
// messages quote: "exit status 3", "signal: killed".
func (e ExitStatus) String() string {
	if e.Signal != 0 {
		return "signal: " + e.Signal.String()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// ID is the sandbox's id.
func (s *Sandbox) ID() string { return s.id }

// State is the sandbox's current state.
func (s *Sandbox) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Prestart starts the sandbox ahead of demand: its namespaces, cgroup,
// mounts and root are set up and the in-sandbox init runs, but holds the
// command until Start releases it (init --hold, on a FIFO in the socket
// directory). A cold start on a prestarted sandbox is then mostly the
// runtime's own start.
func (s *Sandbox) Prestart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !canTransition(s.state, Prestarted) {
		return transitionError("prestart sandbox "+s.id, s.state)
	}
	// Readable by the sandbox's user: its init opens it.
	if err := unix.Mkfifo(s.holdPath(), 0o644); err != nil {
		return fmt.Errorf("prestart sandbox %s: hold fifo: %w", s.id, err)
	}
	p := s.initProcess(true)
	if err := s.container.Run(p); err != nil {
		os.Remove(s.holdPath())
		return fmt.Errorf("prestart sandbox %s: %w", s.id, err)
	}
	s.process = p
	s.state = Prestarted
	go s.wait()
	return nil
}

// holdPath is the host path of a prestarted sandbox's hold FIFO.
func (s *Sandbox) holdPath() string { return filepath.Join(s.req.SocketDir, holdFIFO) }

// holdFIFO is the name of the hold FIFO in the socket directory.
const holdFIFO = ".hold"

// releaseTimeout bounds how long Start waits for a prestarted init to open
// its hold FIFO (it does so as soon as it runs).
const releaseTimeout = 10 * time.Second

// Start runs the init (and through it the command) in the sandbox, or, if
// it was prestarted, releases the command.
func (s *Sandbox) Start() error {
	s.mu.Lock()
	state := s.state
	if state == Prestarted {
		s.mu.Unlock() // release watches the init, whose exit takes s.mu
		if err := s.release(); err != nil {
			return fmt.Errorf("start sandbox %s: %w", s.id, err)
		}
		s.mu.Lock()
		if s.state != Prestarted {
			defer s.mu.Unlock()
			return transitionError("start sandbox "+s.id, s.state)
		}
	}
	defer s.mu.Unlock()
	switch state {
	case Created:
		p := s.initProcess(false)
		if err := s.container.Run(p); err != nil {
			return fmt.Errorf("start sandbox %s: %w", s.id, err)
		}
		s.process = p
		go s.wait()
	case Prestarted:
	default:
		return transitionError("start sandbox "+s.id, s.state)
	}
	s.state = Running
	if !s.req.DeferCPULimit {
		if err := s.limitCPU(); err != nil {
			return fmt.Errorf("start sandbox %s: %w", s.id, err)
		}
	}
	return nil
}

// release lets a prestarted init start the command: opening the hold FIFO
// for writing is the signal. Until the init has opened its end, the open
// fails with ENXIO; it is retried while the init lives.
func (s *Sandbox) release() error {
	deadline := time.Now().Add(releaseTimeout)
	for {
		f, err := os.OpenFile(s.holdPath(), os.O_WRONLY|unix.O_NONBLOCK, 0)
		if err == nil {
			f.Close()
			os.Remove(s.holdPath())
			return nil
		}
		if !errors.Is(err, unix.ENXIO) {
			return fmt.Errorf("release: %w", err)
		}
		select {
		case <-s.done:
			return errors.New("release: the held init exited")
		case <-time.After(100 * time.Microsecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("release: the held init did not open its hold FIFO within %s", releaseTimeout)
		}
	}
}

// initProcess is the sandbox's first process: the in-sandbox init, which
// starts the request's command, or with hold waits for Start to release it.
func (s *Sandbox) initProcess(hold bool) *libcontainer.Process {
	args := []string{InitPath}
	if s.net != nil {
		args = append(args, "--listen=") // the daemon listens in there itself
	}
	if hold {
		args = append(args, "--hold="+SocketDir+"/"+holdFIFO)
	}
	args = append(append(args, "--"), s.req.Args...)
	return &libcontainer.Process{
		Args:   args,
		Env:    s.req.Env,
		UID:    s.req.UID,
		GID:    s.req.GID,
		Cwd:    TaskDir,
		Stdout: orDiscard(s.req.Stdout),
		Stderr: orDiscard(s.req.Stderr),
		Init:   true,
	}
}

// LimitCPU applies the CPU quota proportional to memory (see
// CreateRequest.DeferCPULimit).
func (s *Sandbox) LimitCPU() error {
	if err := s.limitCPU(); err != nil {
		return fmt.Errorf("limit cpu of sandbox %s: %w", s.id, err)
	}
	return nil
}

func (s *Sandbox) limitCPU() error {
	quota := strconv.FormatInt(cpuQuota(s.req.MemoryMB), 10)
	if cgroups.IsCgroup2UnifiedMode() {
		return cgroups.WriteFile(s.cgroup.Path(""), "cpu.max", quota+" "+strconv.Itoa(cpuPeriodMicroseconds))
	}
	return cgroups.WriteFile(s.cgroup.Path("cpu"), "cpu.cfs_quota_us", quota)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// wait reaps the init and records how it ended.
func (s *Sandbox) wait() {
	ps, err := s.process.Wait()
	var exit ExitStatus
	if ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
			if ws.Signaled() {
				exit.Signal = ws.Signal()
			} else {
				exit.Code = ws.ExitStatus()
			}
		}
		var exitErr interface{ ExitCode() int }
		if errors.As(err, &exitErr) {
			err = nil // a non-zero status is not a failure to wait
		}
	}
	s.mu.Lock()
	s.exit, s.waitErr = exit, err
	if canTransition(s.state, Exited) {
		s.state = Exited
	}
	s.mu.Unlock()
	close(s.done)
}

// RuntimeListener is the listener open inside the sandbox's network
// namespace (CreateRequest.RuntimeAPIAddr), or nil. Destroy closes it.
func (s *Sandbox) RuntimeListener() net.Listener {
	if s.net == nil {
		return nil
	}
	return s.net.ln
}

// Done is closed once the sandbox's init has exited.
func (s *Sandbox) Done() <-chan struct{} { return s.done }

// Wait blocks until the init exits or ctx ends.
func (s *Sandbox) Wait(ctx context.Context) (ExitStatus, error) {
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.exit, s.waitErr
	case <-ctx.Done():
		return ExitStatus{}, ctx.Err()
	}
}

// Signal sends sig to the sandbox's init, which forwards it to the command.
func (s *Sandbox) Signal(sig os.Signal) error {
	if err := s.container.Signal(sig); err != nil {
		return fmt.Errorf("signal sandbox %s: %w", s.id, err)
	}
	return nil
}
