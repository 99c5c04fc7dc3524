package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lambdad/lambdad/internal/testkit"
)

// TestExtensionsControl: with --control-fd, init starts the extensions
// first, the runtime only on "go", reports each exit, and ends once the
// runtime and every extension are gone, with the runtime's code.
func TestExtensionsControl(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(t.TempDir(), "runtime-ran")
	for name, script := range map[string]string{
		"a-ext": "#!/bin/sh\nread line\nexit 3\n", // ends when its stdin (a pipe) says so
		"b-ext": "#!/bin/sh\nexec sleep 60\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	daemon, initEnd := os.NewFile(uintptr(fds[0]), "daemon"), os.NewFile(uintptr(fds[1]), "init")
	defer daemon.Close()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := initCmd(t, testEnv(), "--control-fd", "3", "--extensions", dir, "--", "sh", "-c", `touch "$0"; exit 5`, mark)
	cmd.ExtraFiles = []*os.File{initEnd}
	cmd.Stdin = stdinR
	var stderr testkit.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	initEnd.Close()
	stdinR.Close()
	lines := bufio.NewScanner(daemon)
	expect := func(prefix string) string {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("control socket ended waiting for %q: %v (stderr %s)", prefix, lines.Err(), &stderr)
		}
		if !strings.HasPrefix(lines.Text(), prefix) {
			t.Fatalf("got %q, want %q…", lines.Text(), prefix)
		}
		return lines.Text()
	}
	expect("ext a-ext ")
	b := strings.Fields(expect("ext b-ext "))
	expect("started")
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the runtime started before go")
	}
	daemon.Write([]byte("go\n"))
	expect("runtime-exit 5")
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("the runtime did not run: %v", err)
	}
	stdinW.Write([]byte("bye\n"))
	expect("exit a-ext 3")
	pid := 0
	for _, c := range b[2] {
		pid = pid*10 + int(c-'0')
	}
	syscall.Kill(pid, syscall.SIGKILL)
	expect("exit b-ext 137")
	if code := waitExit(t, cmd); code != 5 {
		t.Fatalf("init exited %d, want the runtime's 5: %s", code, &stderr)
	}
}

// TestExtensionsControlEOF: init ends when the daemon's end of the control
// socket closes.
func TestExtensionsControlEOF(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	daemon, initEnd := os.NewFile(uintptr(fds[0]), "daemon"), os.NewFile(uintptr(fds[1]), "init")
	cmd := initCmd(t, testEnv(), "--control-fd", "3", "--extensions", t.TempDir(), "--", "sleep", "60")
	cmd.ExtraFiles = []*os.File{initEnd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	initEnd.Close()
	daemon.Close()
	if code := waitExit(t, cmd); code != exitInitFailed {
		t.Fatalf("init exited %d, want %d", code, exitInitFailed)
	}
}
