package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Sandbox is one function instance: a libcontainer container whose init is
// the in-sandbox init, which starts the request's command.
type Sandbox struct {
	id        string
	req       CreateRequest
	spec      *specs.Spec // what the container was made from
	stateDir  string
	container *libcontainer.Container
	cgroup    cgroups.Manager
	net       *runtimeNet  // nil unless CreateRequest.RuntimeAPIAddr
	detach    func() error // undoes CreateRequest.Network's Attach; nil if none
	userns    *userNS      // the sandbox's slot; nil once given back (or for Cleanup's)
	uids      *uidPool     // where userns goes back

	mu      sync.Mutex
	state   State // mu
	process *libcontainer.Process
	hold    *os.File      // mu; a prestarted init's release: the write end of its hold pipe
	control *os.File      // mu; the daemon's end of the init's control socket (CreateRequest.Extensions); closed by Destroy
	outputs []*output     // mu; the pipes of the init's stdout and stderr (none discarded)
	done    chan struct{} // closed when the init has exited and been reaped
	exit    ExitStatus    // mu; valid once done is closed
	waitErr error         // mu; likewise

	peakMu   sync.Mutex
	peakFile *os.File // peakMu; memory.peak or memory.max_usage_in_bytes, opened by PeakMemory

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
// command until Start releases it (init --hold, reading a pipe the daemon
// keeps the write end of). A cold start on a prestarted sandbox is then
// mostly the runtime's own start.
func (s *Sandbox) Prestart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !canTransition(s.state, Prestarted) {
		return transitionError("prestart sandbox "+s.id, s.state)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("prestart sandbox %s: hold pipe: %w", s.id, err)
	}
	p, files, err := s.initProcess(r)
	if err == nil {
		err = s.container.Run(p)
	}
	r.Close() // the init has its own copies
	closeAll(files)
	if err != nil {
		w.Close()
		return fmt.Errorf("prestart sandbox %s: %w", s.id, err)
	}
	s.process, s.hold = p, w
	s.state = Prestarted
	go s.wait()
	return nil
}

// Start runs the init (and through it the command) in the sandbox, or, if
// it was prestarted, releases the command.
func (s *Sandbox) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case Created:
		p, files, err := s.initProcess(nil)
		if err == nil {
			err = s.container.Run(p)
		}
		closeAll(files)
		if err != nil {
			return fmt.Errorf("start sandbox %s: %w", s.id, err)
		}
		s.process = p
		go s.wait()
	case Prestarted:
		if err := s.releaseLocked(); err != nil {
			return fmt.Errorf("start sandbox %s: %w", s.id, err)
		}
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

// releaseLocked lets a prestarted init start the command: one byte on its
// hold pipe. The pipe buffers it, so this never waits for the init; if the
// init is gone, the write fails (EPIPE).
func (s *Sandbox) releaseLocked() error {
	_, err := s.hold.Write([]byte{1})
	s.closeHoldLocked()
	if err != nil {
		return fmt.Errorf("release: the held init is gone: %w", err)
	}
	return nil
}

// closeHoldLocked closes the hold pipe, if open: a held init then exits
// without starting its command.
func (s *Sandbox) closeHoldLocked() {
	if s.hold != nil {
		s.hold.Close()
		s.hold = nil
	}
}

// initProcess is the sandbox's first process: the in-sandbox init, which
// starts the request's command (with hold, once Start releases it through
// that pipe's other end) under the request's seccomp filter, which it reads
// from a pipe. The files are that pipe's: close them once the init runs, it
// has its own copies.
func (s *Sandbox) initProcess(hold *os.File) (_ *libcontainer.Process, files []*os.File, _ error) {
	p := process(s.spec)
	for _, stream := range []struct {
		w  io.Writer
		to *io.Writer
	}{{s.req.Stdout, &p.Stdout}, {s.req.Stderr, &p.Stderr}} {
		if stream.w == nil {
			continue // io.Discard, as process made it
		}
		if stream.to == &p.Stderr && sameWriter(s.req.Stderr, s.req.Stdout) && len(s.outputs) > 0 {
			p.Stderr = p.Stdout // one pipe: the two streams' order kept
			continue
		}
		o, err := newOutput(stream.w)
		if err != nil {
			closeAll(files)
			return nil, nil, fmt.Errorf("output pipe: %w", err)
		}
		s.outputs = append(s.outputs, o)
		*stream.to = o.w
		files = append(files, o.w) // the init has its own copy once it runs
	}
	if hold != nil {
		p.ExtraFiles = append(p.ExtraFiles, hold) // fd 3, where --hold waits
	}
	fds := initFDs{seccomp: -1, control: -1, extensionOutput: -1}
	if s.req.Extensions {
		ours, theirs, err := socketPair()
		if err != nil {
			closeAll(files)
			return nil, nil, fmt.Errorf("control socket: %w", err)
		}
		s.control = ours
		fds.control = 3 + len(p.ExtraFiles)
		p.ExtraFiles = append(p.ExtraFiles, theirs)
		files = append(files, theirs)
		if s.req.ExtensionOutput != nil {
			o, err := newOutput(s.req.ExtensionOutput)
			if err != nil {
				closeAll(files)
				return nil, nil, fmt.Errorf("extension output pipe: %w", err)
			}
			s.outputs = append(s.outputs, o)
			fds.extensionOutput = 3 + len(p.ExtraFiles)
			p.ExtraFiles = append(p.ExtraFiles, o.w)
			files = append(files, o.w)
		}
	}
	if prog := s.req.Seccomp.Program(); prog != nil {
		r, err := filledPipe(prog)
		if err != nil {
			return nil, nil, fmt.Errorf("seccomp filter: %w", err)
		}
		fds.seccomp = 3 + len(p.ExtraFiles)
		p.ExtraFiles = append(p.ExtraFiles, r)
		files = append(files, r)
	}
	p.Args = initArgs(s.req.Args, hold != nil, fds)
	return p, files, nil
}

// Control is the daemon's end of the init's control socket
// (CreateRequest.Extensions), once the init was started; nil otherwise.
// Destroy closes it.
func (s *Sandbox) Control() *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.control
}

// socketPair is a connected pair of unix stream sockets, close-on-exec.
func socketPair() (ours, theirs *os.File, _ error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(fds[0]), "control"), os.NewFile(uintptr(fds[1]), "control"), nil
}

// filledPipe is the read end of a pipe holding data, its write end closed.
// data must fit the pipe's buffer (64 KiB; a filter is at most 32).
func filledPipe(data []byte) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	_, err = w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
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
	if cgroups.IsCgroup2UnifiedMode() {
		return cgroups.WriteFile(s.cgroup.Path(""), "cpu.max", cpuMax(s.req.MemoryMB))
	}
	return cgroups.WriteFile(s.cgroup.Path("cpu"), "cpu.cfs_quota_us", strconv.FormatInt(cpuQuota(s.req.MemoryMB), 10))
}

// SettleOutput waits, at most max, until what the sandbox's processes
// have written to their standard output and error so far has reached the
// request's writers (CreateRequest.Stdout, Stderr): a runtime that logs a
// line and then answers its invoke has its line copied before the invoke
// ends.
func (s *Sandbox) SettleOutput(max time.Duration) {
	s.mu.Lock()
	outputs := s.outputs
	s.mu.Unlock()
	for _, o := range outputs {
		o.settle(max)
	}
}

// sameWriter tells whether a and b are one writer (as os/exec tells it:
// an uncomparable writer is not the same as any other).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() { recover() }()
	return a == b
}

// wait reaps the init and records how it ended, once its output is copied.
func (s *Sandbox) wait() {
	ps, err := s.process.Wait()
	for _, o := range s.outputs { // set before wait started
		<-o.done
	}
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
	s.closeHoldLocked()
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
