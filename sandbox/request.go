package sandbox

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/seccomp"
)

// CreateRequest describes one sandbox. Its layout inside (/var/task,
// /var/lambdad, /opt, /tmp) and its limits are package lambda's.
type CreateRequest struct {
	// ID names the sandbox (its cgroup, state directory, log lines);
	// [a-zA-Z0-9_-], at most 64 characters. The Manager makes one if empty.
	ID string
	// Root is the base tree, mounted read-only as the root, with its binds
	// (read-only too, in order after it). Every mountpoint of the sandbox
	// must already exist in it (rootfs makes them).
	Root rootfs.Tree
	// CodeDir, if set, is mounted read-only at /var/task; an image's root
	// has its own /var/task.
	CodeDir string
	// Cwd is the function's working directory; "" means /var/task.
	Cwd string
	// RuntimeDir is mounted read-only at /var/lambdad; it must hold the
	// in-sandbox init, which runs as PID 1 and starts Args.
	RuntimeDir string
	// OptDir, if set, is mounted read-only at /opt (layers).
	OptDir string
	// MemoryMB is the memory limit (no swap), 128–10240.
	MemoryMB int
	// EphemeralMB sizes the /tmp tmpfs, 512–10240; 0 means 512.
	EphemeralMB int
	// Env is the complete environment of the function process.
	Env []string
	// Args is the command the init starts: Args[0] is a path inside the
	// sandbox or a name looked up in the PATH of Env.
	Args []string
	// UID and GID the processes run as; 0 means lambda.UID and lambda.GID
	// (root is never used).
	UID, GID int
	// Stdout and Stderr receive the function's output; nil discards it. A
	// file is written to through a pipe, never handed to the sandbox.
	Stdout, Stderr io.Writer
	// RuntimeAPIAddr, if set (lambda.RuntimeAPIAddr), makes lambdad create
	// the sandbox's network namespace and open a listener on this address
	// in it (Sandbox.RuntimeListener) for the daemon to serve the Runtime
	// API on. Else libcontainer makes the namespace, with loopback only and
	// nothing listening.
	RuntimeAPIAddr string
	// HostNetwork puts the sandbox in the host's network namespace. Its
	// Runtime API (RuntimeAPIAddr must be set; its port is ignored) then
	// listens on a free port of the host's loopback that only the
	// sandbox's processes may connect to, and the sandbox's
	// AWS_LAMBDA_RUNTIME_API says which.
	HostNetwork bool
	// Network, if set, gives the network namespace lambdad made (it needs
	// RuntimeAPIAddr) an interface before anything runs in it; Destroy
	// takes it back. Without it the sandbox has loopback only.
	Network Attacher
	// Files are more host files bound read-only into the sandbox, over
	// files its root has (lambda.FileMountpoints), e.g. /etc/resolv.conf.
	Files []rootfs.Bind
	// Seccomp is the filter the sandbox's processes run under, the init
	// included; nil means seccomp.Default(), seccomp.Unconfined none.
	Seccomp *seccomp.Filter
	// Extensions makes the init start Lambda's external extensions, the
	// files of /opt/extensions, before the command, and speak with the
	// daemon on a socket (Sandbox.Control; runtime/init's extensions.go):
	// the command starts only when the daemon says so.
	Extensions bool
	// ExtensionOutput, with Extensions, receives the extensions' stdout and
	// stderr; nil: theirs are Stdout and Stderr.
	ExtensionOutput io.Writer
	// DeferCPULimit leaves the CPU unlimited until LimitCPU is called (after
	// the runtime's init, which Lambda runs with boosted CPU); else Start
	// applies the quota once the first process runs.
	DeferCPULimit bool
}

// Attacher gives a sandbox its network (package network).
type Attacher interface {
	// Attach configures the network namespace netns of sandbox id and
	// returns the files to bind read-only into it (its /etc/hosts, say)
	// and what undoes everything.
	Attach(id string, netns *os.File) (files []rootfs.Bind, detach func() error, err error)
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
	if r.MemoryMB < lambda.MinMemoryMB || r.MemoryMB > lambda.MaxMemoryMB {
		return bad("memory %d MB: want %d-%d", r.MemoryMB, lambda.MinMemoryMB, lambda.MaxMemoryMB)
	}
	if r.EphemeralMB == 0 {
		r.EphemeralMB = lambda.DefaultEphemeralMB
	}
	if r.EphemeralMB < lambda.MinEphemeralMB || r.EphemeralMB > lambda.MaxEphemeralMB {
		return bad("ephemeral storage %d MB: want %d-%d", r.EphemeralMB, lambda.MinEphemeralMB, lambda.MaxEphemeralMB)
	}
	if len(r.Args) == 0 || r.Args[0] == "" {
		return bad("no command")
	}
	if r.UID == 0 && r.GID == 0 {
		r.UID, r.GID = lambda.UID, lambda.GID
	}
	if r.UID <= 0 || r.GID <= 0 {
		return bad("uid %d gid %d: the function must not run as root", r.UID, r.GID)
	}
	dirs := []struct{ what, path string }{
		{"rootfs", r.Root.Path}, {"runtime dir", r.RuntimeDir},
	}
	if r.CodeDir != "" {
		dirs = append(dirs, struct{ what, path string }{"code dir", r.CodeDir})
	}
	if r.Cwd == "" {
		r.Cwd = lambda.TaskDir
	}
	if !filepath.IsAbs(r.Cwd) {
		return bad("working directory %q is not absolute", r.Cwd)
	}
	if r.OptDir != "" {
		dirs = append(dirs, struct{ what, path string }{"opt dir", r.OptDir})
	}
	for _, b := range r.Root.Binds {
		if !filepath.IsAbs(b.Destination) {
			return bad("bind destination %q is not absolute", b.Destination)
		}
		dirs = append(dirs, struct{ what, path string }{"bind source", b.Source})
	}
	for _, f := range r.Files {
		if !filepath.IsAbs(f.Source) || !filepath.IsAbs(f.Destination) {
			return bad("file bind %s → %s: not absolute", f.Source, f.Destination)
		}
	}
	if r.Seccomp == nil {
		f, err := seccomp.Default()
		if err != nil {
			return bad("%v", err)
		}
		r.Seccomp = f
	}
	if r.Network != nil && (r.RuntimeAPIAddr == "" || r.HostNetwork) {
		return bad("a network needs the namespace lambdad makes (RuntimeAPIAddr, not HostNetwork)")
	}
	if r.HostNetwork && r.RuntimeAPIAddr == "" {
		return bad("the host's network needs a Runtime API listener (RuntimeAPIAddr)")
	}
	for _, d := range dirs {
		if err := checkDir(d.path); err != nil {
			return bad("%s: %v", d.what, err)
		}
	}
	if r.Root.Path == "/" {
		return bad("rootfs: refusing the host's root directory")
	}
	if _, err := os.Stat(filepath.Join(r.RuntimeDir, filepath.Base(lambda.InitPath))); err != nil {
		return bad("runtime dir %s has no init: %v", r.RuntimeDir, err)
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
