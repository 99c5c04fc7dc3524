package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/network"
	"github.com/lambdad/lambdad/network/networktest"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

var (
	runtimeDir string // the in-sandbox init
	functions  string // echo: busybox and a shell bootstrap; sleepy, whose events never end
)

// testNetworks counts the daemons' networks: each its own bridge and
// subnet (10.215.k.0/24).
var testNetworks atomic.Int32

// testCgroupParent keeps the tests' sandboxes apart from a daemon's.
var testCgroupParent = fmt.Sprintf("/lambdad-daemon-test-%d", os.Getpid())

// echoBootstrap is a runtime in shell: each event comes back as its response.
const echoBootstrap = `#!/var/task/sh
PATH=/var/task:$PATH
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation
while :; do
	id=$(wget -S -O /tmp/event "$api/next" 2>&1 | sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' | tr -d '\r')
	wget -q -O /dev/null --post-file=/tmp/event "$api/$id/response"
done
`

// floodBootstrap prints 20 MiB of newlines for each event, then answers.
const floodBootstrap = `#!/var/task/sh
PATH=/var/task:$PATH
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation
while :; do
	id=$(wget -S -O /tmp/event "$api/next" 2>&1 | sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' | tr -d '\r')
	head -c 20971520 /dev/zero | tr '\0' '\n'
	wget -q -O /dev/null --post-file=/tmp/event "$api/$id/response"
done
`

// sleepyBootstrap takes an event and never answers it.
const sleepyBootstrap = `#!/var/task/sh
PATH=/var/task:$PATH
wget -q -O /dev/null "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next"
exec sleep 100000
`

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "lambdad-daemon-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	runtimeDir, functions = filepath.Join(dir, "runtime"), filepath.Join(dir, "functions")
	echo, sleepy, flood := filepath.Join(functions, "echo"), filepath.Join(functions, "sleepy"), filepath.Join(functions, "flood")
	steps := []func() error{
		func() error { return os.Chmod(dir, 0o755) },
		func() error { return os.MkdirAll(runtimeDir, 0o755) },
		func() error { return sandboxtest.BuildInit(runtimeDir) },
		func() error { return os.MkdirAll(echo, 0o755) },
		func() error { return os.Chmod(functions, 0o755) },
		func() error { return sandboxtest.BusyboxDir(echo) },
		func() error { return os.WriteFile(filepath.Join(echo, "bootstrap"), []byte(echoBootstrap), 0o755) },
		// 30 s, not Lambda's default 3: at 128 MB's 7% of a CPU, the cgroup v2
		// lane's emulated guest took 3.5 s for a busybox sh's first event
		// while its host was busy.
		func() error {
			return os.WriteFile(filepath.Join(echo, "function.json"), []byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":30}`), 0o644)
		},
		func() error { return os.MkdirAll(flood, 0o755) },
		func() error { return sandboxtest.BusyboxDir(flood) },
		func() error { return os.WriteFile(filepath.Join(flood, "bootstrap"), []byte(floodBootstrap), 0o755) },
		func() error {
			return os.WriteFile(filepath.Join(flood, "function.json"),
				[]byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":120,"MemorySize":1769}`), 0o644)
		},
		func() error { return os.MkdirAll(sleepy, 0o755) },
		func() error { return sandboxtest.BusyboxDir(sleepy) },
		func() error { return os.WriteFile(filepath.Join(sleepy, "bootstrap"), []byte(sleepyBootstrap), 0o755) },
		func() error {
			return os.WriteFile(filepath.Join(sleepy, "function.json"),
				[]byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":600,"ReservedConcurrentExecutions":2}`), 0o644)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	defer sandboxtest.RemoveCgroup(testCgroupParent)
	return m.Run()
}

// newDaemon builds a daemon on the test functions, in private directories,
// as lambdad serve would but without the CLI.
func newDaemon(t *testing.T, spares int, edits ...func(*Config)) (*Daemon, Config) {
	t.Helper()
	return newDaemonWith(t, func(cfg *Config) {
		cfg.Spares = spares
		for _, edit := range edits {
			edit(cfg)
		}
	})
}

// newDaemonWith is newDaemon with its Config changed by edit first.
func newDaemonWith(t *testing.T, edit func(*Config)) (*Daemon, Config) {
	t.Helper()
	sandboxtest.RequireRoot(t)
	dir := sandboxtest.TempDir(t)
	k := testNetworks.Add(1)
	var log testkit.Buffer
	cfg := Config{
		Listen:        "127.0.0.1:0",
		RuntimeImages: hostRuntimes,
		FunctionsDir:  functions,
		StateDir:      filepath.Join(dir, "state"),
		RunDir:        filepath.Join(dir, "run"),
		RuntimeDir:    runtimeDir,
		CgroupParent:  testCgroupParent,
		Bridge:        fmt.Sprintf("ldd%05d%02d", os.Getpid()%100000, k),
		Subnet:        netip.MustParsePrefix(fmt.Sprintf("10.215.%d.0/24", k)),
		TmpfsRunDir:   true,
		Logger:        slog.New(slog.NewTextHandler(&log, nil)),
		Output:        &log,
	}
	edit(&cfg)
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", log.String())
		}
	})
	return d, cfg
}

// leftOf lists what of a stopped daemon remains: sandbox cgroups and their
// parent, state, the run directory's tmpfs.
func leftOf(cfg Config) []string {
	var left []string
	for _, pattern := range []string{"/sys/fs/cgroup/*" + testCgroupParent, "/sys/fs/cgroup" + testCgroupParent,
		"/sys/fs/cgroup/*" + testCgroupParent + "/*", "/sys/fs/cgroup" + testCgroupParent + "/*"} {
		dirs, _ := filepath.Glob(pattern)
		for _, d := range dirs {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				left = append(left, "cgroup "+d)
			}
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(cfg.RunDir, "containers")); len(entries) > 0 {
		left = append(left, fmt.Sprintf("state of %d sandboxes", len(entries)))
	}
	if mounted, _ := mountinfo.Mounted(cfg.RunDir); mounted {
		left = append(left, "the run directory's tmpfs")
	}
	if cfg.Bridge != "" {
		left = append(left, networktest.Leftovers(cfg.Bridge, network.PortPrefix(cfg.Bridge))...)
	}
	return left
}

func invoke(t *testing.T, d *Daemon, name, payload string) string {
	t.Helper()
	resp, err := http.Post("http://"+d.Addr().String()+"/invoke/"+name, "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("invoke %s: %d %s", name, resp.StatusCode, body)
	}
	return string(body)
}

// A daemon built in the test's process serves real sandboxes, and its
// ctx's end shuts it down leaving nothing.
func TestDaemonRunsInProcess(t *testing.T) {
	d, cfg := newDaemon(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	for i := range 3 {
		payload := fmt.Sprintf(`{"i":%d}`, i)
		if got := invoke(t, d, "echo", payload); got != payload {
			t.Errorf("invoke %d = %q, want the event back", i, got)
		}
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after its ctx ended")
	}
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after Run returned: %v", left)
	}
	if _, err := http.Get("http://" + d.Addr().String() + "/"); err == nil {
		t.Error("the Invoke API still answers after Run returned")
	}
}

// Shutdown without Run releases what New made: spares, the listener, the
// tmpfs.
func TestDaemonShutdownWithoutRun(t *testing.T) {
	d, cfg := newDaemon(t, 1)
	testkit.Eventually(t, "the spare", func() bool {
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*" + testCgroupParent + "/*")
		v2, _ := filepath.Glob("/sys/fs/cgroup" + testCgroupParent + "/*/cgroup.procs")
		return len(dirs)+len(v2) > 0
	})
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after Shutdown: %v", left)
	}
}

// A daemon that cannot start leaves nothing: here its functions directory
// is missing, after the tmpfs was mounted.
func TestDaemonNewFailsCleanly(t *testing.T) {
	sandboxtest.RequireRoot(t)
	dir := sandboxtest.TempDir(t)
	k := testNetworks.Add(1)
	cfg := Config{
		RuntimeImages: hostRuntimes,
		FunctionsDir:  filepath.Join(dir, "none"), StateDir: filepath.Join(dir, "state"), RunDir: filepath.Join(dir, "run"),
		RuntimeDir: runtimeDir, CgroupParent: testCgroupParent, TmpfsRunDir: true, Logger: slog.New(slog.DiscardHandler),
		Bridge: fmt.Sprintf("ldd%05d%02d", os.Getpid()%100000, k), Subnet: netip.MustParsePrefix(fmt.Sprintf("10.215.%d.0/24", k)),
	}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "functions") {
		t.Fatalf("New = %v, want the missing functions directory", err)
	}
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after a failed New: %v", left)
	}
	// A seccomp profile that cannot be read is refused before anything on
	// the host changes: not even the run directory is made.
	cfg.Seccomp = filepath.Join(dir, "no-such-profile.json")
	cfg.RunDir = filepath.Join(dir, "run2")
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "seccomp") {
		t.Fatalf("New = %v, want the seccomp profile's error", err)
	}
	if _, err := os.Stat(cfg.RunDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("run directory after a refused profile: %v, want none", err)
	}
	// A state directory the sandboxes' root (a host uid of their range)
	// cannot search would fail every start: refused at once.
	cfg.Seccomp = ""
	private := filepath.Join(dir, "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg.FunctionsDir = functions
	cfg.StateDir = filepath.Join(private, "state")
	if _, err := New(cfg); !errors.Is(err, sandbox.ErrRootUnreachable) || !strings.Contains(err.Error(), "--state-dir") {
		t.Fatalf("New with a state dir under a 0700 directory = %v, want ErrRootUnreachable naming --state-dir", err)
	}
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after a failed New: %v", left)
	}
}
