package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// heldInit starts init --hold with the read end of a pipe as its fd 3, as
// the daemon prestarts a sandbox, and returns the write end.
func heldInit(t *testing.T, args ...string) (*exec.Cmd, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := initCmd(t, testEnv(), append([]string{"--hold", "--"}, args...)...)
	cmd.ExtraFiles = []*os.File{r}
	var stderr testkit.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { w.Close() })
	return cmd, w
}

// TestHoldWaitsForRelease: with --hold, the command starts only once a byte
// arrives on fd 3, and does not inherit the pipe.
func TestHoldWaitsForRelease(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "ran")
	cmd, release := heldInit(t, "sh", "-c", `for f in /proc/$$/fd/*; do readlink $f; done > "$0"; true`, mark)
	time.Sleep(100 * time.Millisecond) // what a held init must not do, it would have done by now
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the command ran before the release")
	}
	if _, err := release.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d: %s", code, cmd.Stderr)
	}
	links, err := os.ReadFile(mark)
	if err != nil {
		t.Fatalf("the command did not run after the release: %v", err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(release.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if pipe := fmt.Sprintf("pipe:[%d]", st.Ino); strings.Contains(string(links), pipe) {
		t.Errorf("the command has the hold pipe %s open: %q", pipe, links)
	}
}

// TestHoldEndsWithoutRelease: the pipe's end without a byte (the daemon is
// gone) makes init exit without starting the command.
func TestHoldEndsWithoutRelease(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "ran")
	cmd, release := heldInit(t, "touch", mark)
	release.Close()
	if code := waitExit(t, cmd); code != exitInitFailed {
		t.Errorf("exit code %d, want %d", code, exitInitFailed)
	}
	if got := cmd.Stderr.(*testkit.Buffer).String(); !strings.HasPrefix(got, "init: hold: ") {
		t.Errorf("stderr %q, want init: hold: …", got)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the command ran without a release")
	}
}

// TestHoldWithoutPipe: --hold with nothing on fd 3 is init's own failure.
func TestHoldWithoutPipe(t *testing.T) {
	code, _, stderr := runInit(t, testEnv(), "--hold", "--", "true")
	if code != exitInitFailed || !strings.HasPrefix(stderr, "init: hold: ") {
		t.Errorf("exit code %d, stderr %q; want %d and init: hold: …", code, stderr, exitInitFailed)
	}
}
