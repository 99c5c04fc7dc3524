package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
	"github.com/lambdad/lambdad/sigv4"
)

// nobody is the uid and gid the permission tests dial as.
const nobody = 65534

// socketDir is a directory every user may traverse.
func socketDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// dialAs connects to a unix socket as uid:gid with no other groups, on a
// thread of its own that then dies (credentials are per thread).
func dialAs(path string, uid, gid int) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		for _, call := range [][4]uintptr{
			{syscall.SYS_SETGROUPS, 0, 0, 0},
			{syscall.SYS_SETRESGID, ^uintptr(0), uintptr(gid), ^uintptr(0)},
			{syscall.SYS_SETRESUID, ^uintptr(0), uintptr(uid), ^uintptr(0)},
		} {
			if _, _, errno := syscall.RawSyscall(call[0], call[1], call[2], call[3]); errno != 0 {
				done <- errno
				return
			}
		}
		c, err := net.Dial("unix", path)
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	return <-done
}

// TestUnixSocketPermissions: the socket is 0660, owned by root and the
// listen group; a user outside the group cannot connect, one in it can.
func TestUnixSocketPermissions(t *testing.T) {
	sandboxtest.RequireRoot(t)
	dir := socketDir(t)
	for _, tc := range []struct {
		group    string
		gid      int
		nobodyOK bool
	}{{"", 0, false}, {strconv.Itoa(nobody), nobody, true}} {
		path := filepath.Join(dir, "api.sock")
		lns, err := listen("unix:"+path, tc.group)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		sys := st.Sys().(*syscall.Stat_t)
		if st.Mode().Type() != os.ModeSocket || st.Mode().Perm() != 0o660 || sys.Uid != 0 || int(sys.Gid) != tc.gid {
			t.Errorf("group %q: socket %v owned by %d:%d, want a socket -rw-rw---- owned by 0:%d", tc.group, st.Mode(), sys.Uid, sys.Gid, tc.gid)
		}
		if err := dialAs(path, 0, 0); err != nil {
			t.Errorf("root cannot connect: %v", err)
		}
		err = dialAs(path, nobody, nobody)
		if tc.nobodyOK && err != nil {
			t.Errorf("group %q: a member cannot connect: %v", tc.group, err)
		}
		if !tc.nobodyOK && !errors.Is(err, syscall.EACCES) {
			t.Errorf("group %q: uid %d connected (%v), want EACCES", tc.group, nobody, err)
		}
		if err := dialAs(path, 1000, 1000); !errors.Is(err, syscall.EACCES) {
			t.Errorf("group %q: uid 1000 connected (%v), want EACCES", tc.group, err)
		}
		lns[0].Close()
		if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("socket left after Close: %v", err)
		}
	}
	if _, err := listen("unix:"+filepath.Join(dir, "x.sock"), "no-such-group-lambdad"); err == nil {
		t.Error("an unknown group was accepted")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("left in the socket's directory: %v", left)
	}
}

// TestUnixSocketStale: a socket nothing listens on (a crash's) is
// replaced; a live one and a file that is not a socket are not.
func TestUnixSocketStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.sock")
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	lns, err := listen("unix:"+path, "")
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	if err := dialAs(path, 0, 0); err != nil && os.Geteuid() == 0 {
		t.Errorf("cannot connect to the new socket: %v", err)
	}

	// Live: refused, and the live listener keeps its socket.
	if _, err := listen("unix:"+path, ""); !errors.Is(err, ErrSocketInUse) {
		t.Errorf("second listener on a live socket: %v, want ErrSocketInUse", err)
	}
	if c, err := net.Dial("unix", path); err != nil {
		t.Errorf("the live socket is gone: %v", err)
	} else {
		c.Close()
	}
	lns[0].Close()

	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := listen("unix:"+file, ""); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("a regular file at the path: %v, want refused", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Error("the regular file was replaced")
	}
	if _, err := listen("unix:relative.sock", ""); err == nil {
		t.Error("a relative socket path was accepted")
	}
}

// TestDaemonUnixSocketAndAuth: a daemon on TCP and a unix socket with
// --auth-keys: a signed invoke over the socket runs, an unsigned one is
// refused, and the socket is gone after Shutdown, with nothing else left.
func TestDaemonUnixSocketAndAuth(t *testing.T) {
	sandboxtest.RequireRoot(t)
	dir := sandboxtest.TempDir(t)
	sock := filepath.Join(dir, "run", "api.sock")
	keys := filepath.Join(dir, "keys")
	if err := os.WriteFile(keys, []byte("# test\nAKIDTEST secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var log testkit.Buffer
	cfg := Config{
		Listen: "127.0.0.1:0,unix:" + sock, AuthKeys: keys, RuntimeImages: hostRuntimes,
		FunctionsDir: functions, StateDir: filepath.Join(dir, "state"), RunDir: filepath.Join(dir, "run"),
		RuntimeDir: runtimeDir, CgroupParent: testCgroupParent, Network: "none", TmpfsRunDir: true,
		Logger: slog.New(slog.NewTextHandler(&log, nil)), Output: &log,
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", log.String())
		}
	})

	unix := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	invoke := func(client *http.Client, base string, key *sigv4.Key) (int, string, string) {
		t.Helper()
		body := []byte(`{"over":"unix"}`)
		req, _ := http.NewRequest(http.MethodPost, base+"/2015-03-31/functions/echo/invocations", strings.NewReader(string(body)))
		if key != nil {
			sigv4.Sign(req, body, *key, "us-east-1", "lambda", time.Now())
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), string(b)
	}
	key := &sigv4.Key{ID: "AKIDTEST", Secret: "secret"}
	if status, code, body := invoke(unix, "http://lambdad", key); status != 200 || body != `{"over":"unix"}` {
		t.Errorf("signed over the socket: %d %s %s", status, code, body)
	}
	if status, code, _ := invoke(unix, "http://lambdad", nil); status != 403 || code != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned over the socket: %d %s", status, code)
	}
	if status, code, _ := invoke(http.DefaultClient, "http://"+d.Addr().String(), &sigv4.Key{ID: "AKIDTEST", Secret: "wrong"}); status != 403 || code != "InvalidSignatureException" {
		t.Errorf("wrongly signed over TCP: %d %s", status, code)
	}

	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left after Shutdown: %v", err)
	}
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
}
