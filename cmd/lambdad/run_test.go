package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

var (
	lambdad  string // the built binary, with runtime/ (init, python/) beside it
	gofn     string // the aws-lambda-go test function's bootstrap
	netfn    string // the network test function's (internal/testfn/netfn)
	extfn    string // the test extension (internal/testfn/extfn)
	helloPy  string // the hello example's handler.py
	busybox  string // a code dir of busybox applets
	tempRoot string

	// The cgroup2 hierarchy's options before any daemon of these tests
	// remounted it.
	cgroup2AtStart cgroup2Options
)

// PrebuiltEnv names a directory holding lambdad, runtime/, gofn and
// hello.py, built elsewhere: the cgroup v2 lane's guest has no Go toolchain.
const PrebuiltEnv = "LAMBDAD_TEST_PREBUILT"

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	cgroup2AtStart = readCgroup2Options()
	var err error
	if tempRoot, err = os.MkdirTemp("", "lambdad-cli-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tempRoot)
	os.Chmod(tempRoot, 0o755)
	bin := filepath.Join(tempRoot, "bin")
	lambdad = filepath.Join(bin, "lambdad")
	gofn = filepath.Join(tempRoot, "gofn")
	netfn = filepath.Join(tempRoot, "netfn")
	extfn = filepath.Join(tempRoot, "extfn")
	busybox = filepath.Join(tempRoot, "code")
	steps := []func() error{
		func() error { return os.MkdirAll(busybox, 0o755) },
		func() error { return sandboxtest.BusyboxDir(busybox) },
	}
	if dir := os.Getenv(PrebuiltEnv); dir != "" {
		lambdad, gofn, helloPy = filepath.Join(dir, "lambdad"), filepath.Join(dir, "gofn"), filepath.Join(dir, "hello.py")
		netfn, extfn = filepath.Join(dir, "netfn"), filepath.Join(dir, "extfn")
	} else {
		root, err := sandboxtest.ModuleRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		helloPy = filepath.Join(root, "examples", "functions", "hello", "handler.py")
		steps = append(steps,
			func() error { return goBuild("", lambdad, "-tags=urfave_cli_no_docs", ".") }, // as the Makefile builds it
			func() error { return os.MkdirAll(filepath.Join(bin, "runtime"), 0o755) },
			func() error { return sandboxtest.BuildRuntime(filepath.Join(bin, "runtime")) },
			func() error { return goBuild("0", gofn, "-tags=lambda.norpc", "./testdata/gofn") },
			func() error { return goBuild("0", netfn, "-tags=lambda.norpc", "../../internal/testfn/netfn") },
			func() error { return goBuild("0", extfn, "../../internal/testfn/extfn") },
		)
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

// testCgroupParent keeps the CLI tests' sandboxes apart from a daemon's.
var testCgroupParent = fmt.Sprintf("/lambdad-cli-test-%d", os.Getpid())

func goBuild(cgo, out string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
	if cgo != "" {
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %v: %v\n%s", args, err, b)
	}
	return nil
}

// runResult is what one `lambdad run` did.
type runResult struct {
	code           int
	stdout, stderr string
}

// lambdadRun runs `lambdad run ARGS` with private state, run and cgroup
// dirs, and checks that it left nothing behind.
func lambdadRun(t *testing.T, args ...string) runResult {
	t.Helper()
	return lambdadRunWith(t, nil, args...)
}

// lambdadRunWith is lambdadRun with setup applied to the command before it
// starts.
func lambdadRunWith(t *testing.T, setup func(*exec.Cmd), args ...string) runResult {
	t.Helper()
	sandboxtest.RequireRoot(t)
	dir := sandboxtest.TempDir(t)
	runDir := filepath.Join(dir, "run")
	parent := testCgroupParent
	// Generous defaults (a test may override them): under software
	// emulation (the cgroup v2 lane) a 128 MB sandbox's 7% of a CPU makes
	// even `sh -c 'id'` take seconds.
	full := append([]string{"run", "--state-dir", filepath.Join(dir, "state"), "--run-dir", runDir, "--cgroup-parent", parent,
		"--timeout", "60s", "--memory", "1024"}, args...)
	cmd := exec.Command(lambdad, full...)
	var stdout, stderr testkit.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if setup != nil {
		setup(cmd)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A hung lambdad run fails the test with its goroutines (SIGQUIT), and
	// what its sandbox's processes were doing, instead of hanging it.
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-time.After(2 * time.Minute):
		procs, _ := exec.Command("ps", "-eo", "pid,ppid,stat,wchan:20,args").CombinedOutput()
		cmd.Process.Signal(syscall.SIGQUIT)
		<-waited
		t.Fatalf("lambdad run %v hung; processes:\n%s\nstderr:\n%s", args, procs, stderr.String())
	}
	res := runResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		res.code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"containers"} {
		entries, _ := os.ReadDir(filepath.Join(runDir, sub))
		for _, e := range entries {
			t.Errorf("left in %s: %s", sub, e.Name())
			sandboxtest.NoLeaks(t, parent+"/"+e.Name(), e.Name())
		}
	}
	// Any sandbox cgroup under the parent is a leak.
	for _, dir := range sandboxCgroups(parent) {
		t.Errorf("cgroup left: %s", dir)
	}
	return res
}

// sandboxCgroups lists the sandbox cgroups under parent, in every v1
// hierarchy and in a v2 root.
func sandboxCgroups(parent string) []string {
	v1, _ := filepath.Glob("/sys/fs/cgroup/*" + parent + "/*/cgroup.procs")
	v2, _ := filepath.Glob("/sys/fs/cgroup" + parent + "/*/cgroup.procs")
	var dirs []string
	for _, procs := range append(v1, v2...) {
		dirs = append(dirs, filepath.Dir(procs))
	}
	return dirs
}

func TestRunExitStatusAndOutput(t *testing.T) {
	r := lambdadRun(t, "--code", busybox, "--env", "GREETING=hi", "--",
		"/var/task/sh", "-c", `echo "$GREETING from $(id -u) in $(pwd)"; echo oops >&2; exit 3`)
	if r.code != 3 || r.stdout != "hi from 993 in /var/task\n" || r.stderr != "oops\n" {
		t.Errorf("got %+v", r)
	}
}

func TestRunTimeoutKillsEverything(t *testing.T) {
	r := lambdadRun(t, "--code", busybox, "--timeout", "500ms", "--",
		"/var/task/sh", "-c", `trap '' TERM; (trap '' TERM; sleep 100) & sleep 100`)
	if r.code != exitTimedOut || !strings.Contains(r.stderr, "timed out after 500ms") {
		t.Errorf("got %+v, want exit 124 and a message", r)
	}
}

func TestRunHostRootfs(t *testing.T) {
	r := lambdadRun(t, "--rootfs", "host", "--", "sh", "-c", "id -un; test -w /usr || echo usr=ro")
	if r.code != 0 || r.stdout != "sbx_user1051\nusr=ro\n" {
		t.Errorf("got %+v", r)
	}
}

func TestRunBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--memory", "64", "--", "true"}, "memory 64 MB: want 128-10240"},
		{[]string{"--rootfs", "/nonexistent", "--", "true"}, `rootfs "/nonexistent"`},
		{[]string{"--rootfs", "nope", "--", "true"}, "unknown base"},
		{[]string{"--env", "1BAD=x", "--", "true"}, "KEY=VALUE"},
		{[]string{}, "no command"},
	} {
		r := lambdadRun(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: got %+v, want exit 2 and %q", tc.args, r, tc.want)
		}
	}
}

func TestRunMissingCommand(t *testing.T) {
	r := lambdadRun(t, "--", "/var/task/nothing")
	if r.code != 127 || !strings.Contains(r.stderr, "cannot start /var/task/nothing") {
		t.Errorf("got %+v", r)
	}
}
