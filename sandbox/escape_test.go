package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lambdad/lambdad/sandbox/sandboxtest"
	"github.com/lambdad/lambdad/seccomp"
)

// escapeFn builds the escape probe once (internal/testfn/escapefn).
var escapeFn = sync.OnceValues(func() (string, error) {
	path := filepath.Join(testRoot, "escapefn")
	return path, sandboxtest.BuildEscapeFn(path)
})

// escapeCode is a code directory holding the probe, with a tmpfs mounted
// read-write at sub/ on the host: a mount below /var/task.
func escapeCode(t *testing.T) string {
	t.Helper()
	probe, err := escapeFn()
	if err != nil {
		t.Fatal(err)
	}
	code := t.TempDir()
	os.Chmod(code, 0o755)
	data, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(code, "escapefn"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(code, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", sub, "tmpfs", 0, "mode=1777"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(sub, unix.MNT_DETACH) })
	return code
}

// probe runs the escape probe in a sandbox under filter and returns what
// each attempt gave (attempt → "ok" or the errno's name).
func probe(t *testing.T, e *env, code string, filter *seccomp.Filter) map[string]string {
	t.Helper()
	req := e.request("")
	req.CodeDir = code
	req.Args = []string{"/var/task/escapefn", "/var/task/new", "/var/task/sub/new", "/tmp/new"}
	req.Seccomp = filter
	st, out := e.output(req)
	if st.Code != 0 {
		t.Fatalf("probe: %s\n%s", st, out)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			t.Fatalf("probe line %q", line)
		}
		got[k] = v
	}
	return got
}

// TestEscape: from inside a sandbox, as a function would, try what the
// hardening refuses (issue 12 §1, 2, 4, 5): namespaces, io_uring, vsock,
// keyrings, perf, BPF, READ_IMPLIES_EXEC, ptrace of the init, a writable
// mount below /var/task, the kernel's build config and key users.
func TestEscape(t *testing.T) {
	e := newEnv(t)
	code := escapeCode(t)

	got := probe(t, e, code, nil)
	want := map[string]string{
		"unshare_user": "EPERM", "unshare_net": "EPERM", "unshare_mnt": "EPERM",
		"clone_user": "EPERM", "clone_net": "EPERM", "clone_plain": "ok", "clone3": "ENOSYS",
		"setns": "EPERM", "mount": "EPERM", "io_uring_setup": "EPERM",
		"socket_vsock": "EPERM", "socket_packet": "EPERM", "socket_inet": "ok",
		"add_key": "EPERM", "keyctl": "EPERM", "perf_event_open": "EPERM",
		"userfaultfd": "EPERM", "bpf": "EPERM", "personality_rie": "EPERM",
		"ptrace_init": "EPERM", "read_init_environ": "EACCES",
		"write:/var/task/new": "EROFS", "write:/var/task/sub/new": "EROFS", "write:/tmp/new": "ok",
		"Seccomp": "2", "NoNewPrivs": "1",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("default filter: %s=%s, want %s", k, got[k], v)
		}
	}
	// Masked: empty, or absent where the kernel has no such file.
	for _, k := range []string{"proc_config_gz", "proc_key_users", "proc_keys", "proc_kcore"} {
		if got[k] == "ok" {
			t.Errorf("%s readable, want it masked", k)
		}
	}

	// Without the filter, what does not depend on it still holds.
	got = probe(t, e, code, seccomp.Unconfined)
	for k, v := range map[string]string{
		"Seccomp": "0", "ptrace_init": "EPERM", "read_init_environ": "EACCES",
		"write:/var/task/sub/new": "EROFS", "write:/tmp/new": "ok",
	} {
		if got[k] != v {
			t.Errorf("unconfined: %s=%s, want %s", k, got[k], v)
		}
	}
}

// TestStreamsAreNotTheCallersFiles: a file given as Stdout is written
// through a pipe, never handed to the sandbox (a terminal could be driven
// through it, a file truncated); stdin is /dev/null.
func TestStreamsAreNotTheCallersFiles(t *testing.T) {
	e := newEnv(t)
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	req := e.request(`echo "0=$(readlink /proc/$$/fd/0) 1=$(readlink /proc/$$/fd/1)"`) // the shell's own, not $(…)'s
	req.Stdout, req.Stderr = out, out
	s := e.start(req)
	if st, err := s.Wait(context.Background()); err != nil || st.Code != 0 {
		t.Fatalf("exit %v, %v", st, err)
	}
	got, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "0=/dev/null 1=pipe:[") {
		t.Errorf("the sandbox's stdin and stdout: %q, want /dev/null and a pipe", got)
	}
}
