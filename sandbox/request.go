package sandbox

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Paths inside every sandbox.
const (
	TaskDir    = "/var/task"    // function code, read-only; the working directory
	RuntimeDir = "/var/runtime" // runtime files (the init), read-only
	OptDir     = "/opt"         // layers, read-only
	SocketDir  = "/run/lambda"  // the Runtime API socket directory
	InitPath   = RuntimeDir + "/init"
)

// Limits, as in Lambda.
const (
	MinMemoryMB           = 128
	MaxMemoryMB           = 10240
	MinEphemeralMB        = 512
	MaxEphemeralMB        = 10240
	DefaultEphemeralMB    = 512
	MaxPids               = 1024
	MaxOpenFiles          = 1024
	MemoryMBPerVCPU       = 1769
	cpuPeriodMicroseconds = 100000
)

// Bind is a host directory bound read-only into the sandbox.
type Bind struct {
	Source      string // host path
	Destination string // path inside the sandbox
}

// CreateRequest describes one sandbox.
type CreateRequest struct {
	// ID names the sandbox (its cgroup, state directory, log lines);
	// [a-zA-Z0-9_-], at most 64 characters. The Manager makes one if empty.
	ID string
	// Rootfs is the host path of the base root filesystem, mounted read-only.
	// Every mountpoint of the sandbox must already exist in it.
	Rootfs string
	// Binds are more host directories bound read-only (e.g. the host base's
	// /usr), mounted in order after the root.
	Binds []Bind
	// CodeDir is mounted read-only at /var/task.
	CodeDir string
	// RuntimeDir is mounted read-only at /var/runtime; it must hold the
	// in-sandbox init, which runs as PID 1 and starts Args.
	RuntimeDir string
	// OptDir, if set, is mounted read-only at /opt (layers).
	OptDir string
	// SocketDir is the host directory bound at /run/lambda for the Runtime
	// API socket. The sandbox owns it: Create makes it if missing and Destroy
	// removes it.
	SocketDir string
	// MemoryMB is the memory limit (no swap), 128–10240.
	MemoryMB int
	// EphemeralMB sizes the /tmp tmpfs, 512–10240; 0 means 512.
	EphemeralMB int
	// Env is the complete environment of the function process.
	Env []string
	// Args is the command the init starts: Args[0] is a path inside the
	// sandbox or a name looked up in the PATH of Env.
	Args []string
	// UID and GID the processes run as; root (0) is refused.
	UID, GID int
	// Stdout and Stderr receive the function's output; nil discards it.
	Stdout, Stderr io.Writer
	// RuntimeAPIAddr, if set (e.g. 127.0.0.1:9001), makes lambdad create the
	// sandbox's network namespace and open a listener on this address in it
	// (Sandbox.RuntimeListener) for the daemon to serve the Runtime API on;
	// the init then relays nothing. Else the init relays 127.0.0.1:9001 to
	// the socket in SocketDir.
	RuntimeAPIAddr string
	// DeferCPULimit leaves the CPU unlimited until LimitCPU is called (after
	// the runtime's init, which Lambda runs with boosted CPU); else Start
	// applies the quota once the first process runs.
	DeferCPULimit bool
}

// validID reports whether id is 1-64 of [a-zA-Z0-9_-]. Not a regexp: this
// package's initialisation runs before every sandbox's container init (the
// re-exec hook), and compiling `{1,64}` costs ~0.2 ms and 800 allocations.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// validate checks the request and fills defaults.
func (r *CreateRequest) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
	}
	if !validID(r.ID) {
		return bad("id %q: want 1-64 of [a-zA-Z0-9_-]", r.ID)
	}
	if r.MemoryMB < MinMemoryMB || r.MemoryMB > MaxMemoryMB {
		return bad("memory %d MB: want %d-%d", r.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	if r.EphemeralMB == 0 {
		r.EphemeralMB = DefaultEphemeralMB
	}
	if r.EphemeralMB < MinEphemeralMB || r.EphemeralMB > MaxEphemeralMB {
		return bad("ephemeral storage %d MB: want %d-%d", r.EphemeralMB, MinEphemeralMB, MaxEphemeralMB)
	}
	if len(r.Args) == 0 || r.Args[0] == "" {
		return bad("no command")
	}
	if r.UID <= 0 || r.GID <= 0 {
		return bad("uid %d gid %d: the function must not run as root", r.UID, r.GID)
	}
	dirs := []struct{ what, path string }{
		{"rootfs", r.Rootfs}, {"code dir", r.CodeDir}, {"runtime dir", r.RuntimeDir},
	}
	if r.OptDir != "" {
		dirs = append(dirs, struct{ what, path string }{"opt dir", r.OptDir})
	}
	for _, b := range r.Binds {
		if !filepath.IsAbs(b.Destination) {
			return bad("bind destination %q is not absolute", b.Destination)
		}
		dirs = append(dirs, struct{ what, path string }{"bind source", b.Source})
	}
	for _, d := range dirs {
		if err := checkDir(d.path); err != nil {
			return bad("%s: %v", d.what, err)
		}
	}
	if r.Rootfs == "/" {
		return bad("rootfs: refusing the host's root directory")
	}
	if _, err := os.Stat(filepath.Join(r.RuntimeDir, filepath.Base(InitPath))); err != nil {
		return bad("runtime dir %s has no init: %v", r.RuntimeDir, err)
	}
	if !filepath.IsAbs(r.SocketDir) {
		return bad("socket dir %q is not an absolute path", r.SocketDir)
	}
	return nil
}

func checkDir(path string) error {
	if path == "" {
		return fmt.Errorf("not set")
	}
	if !filepath.IsAbs(path) {
		return fmt.Errorf("%q is not an absolute path", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", path)
	}
	return nil
}

// cpuQuota is the CFS quota per 100 ms period for a memory size: Lambda gives
// one vCPU per 1769 MB. The kernel refuses quotas under 1 ms.
func cpuQuota(memoryMB int) int64 {
	q := int64(memoryMB) * cpuPeriodMicroseconds / MemoryMBPerVCPU
	return max(q, 1000)
}
