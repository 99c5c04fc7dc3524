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
)

// initBin is the init binary built by TestMain.
var initBin string

// TestMain builds init once for the process tests. When the test binary is
// started by those tests as init's child, it runs a helper instead.
func TestMain(m *testing.M) {
	if h := os.Getenv("INIT_TEST_HELPER"); h != "" {
		os.Exit(runHelper(h))
	}
	dir, err := os.MkdirTemp("", "lambdad-init-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755) // TestUndumpable runs init as another uid
	initBin = filepath.Join(dir, "init")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", initBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build init: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runHelper is what the test binary does as a child of init.
func runHelper(name string) int {
	switch name {
	case "env":
		fmt.Print(strings.Join(os.Environ(), "\x00"))
		return 0
	case "orphaner":
		return orphaner()
	case "middle":
		return middle()
	case "grandchild":
		return grandchild()
	}
	fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
	return 2
}

// testEnv is the environment init runs with in tests.
func testEnv(extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH")}, extra...)
}

// initCmd returns a command that runs init with args. It runs in a process
// group of its own, which cleanup kills: init is not PID 1 in tests, so its
// descendants would outlive it.
func initCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(initBin, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	t.Cleanup(func() {
		if cmd.Process != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	return cmd
}

// waitExit waits for cmd, which must be started, and returns its exit code,
// or -1 if init itself was killed by a signal.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("wait for init: %v", err)
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("init %v did not exit within 10s", cmd.Args[1:])
		return 0
	}
}

// runInit runs init to completion and returns its exit code and output.
func runInit(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	cmd := initCmd(t, env, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code = waitExit(t, cmd)
	return code, out.String(), errOut.String()
}
