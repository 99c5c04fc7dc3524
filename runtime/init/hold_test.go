package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHoldWaitsForRelease: with --hold, the command starts only once the
// FIFO is opened for writing.
func TestHoldWaitsForRelease(t *testing.T) {
	dir := t.TempDir()
	fifo, mark := filepath.Join(dir, "hold"), filepath.Join(dir, "ran")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := initCmd(t, testEnv(), "--listen=", "--hold", fifo, "--", "touch", mark)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // what a held init must not do, it would have done by now
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the command ran before the release")
	}
	var w *os.File
	poll(t, "init to open the FIFO", func() bool {
		var err error
		w, err = os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		return err == nil
	})
	w.Close()
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("the command did not run after the release: %v", err)
	}
}

func TestHoldOnAMissingFIFO(t *testing.T) {
	code, _, stderr := runInit(t, testEnv(), "--listen=", "--hold", filepath.Join(t.TempDir(), "none"), "--", "true")
	if code != exitInitFailed || !strings.HasPrefix(stderr, "init: hold: ") {
		t.Errorf("exit code %d, stderr %q; want %d and init: hold: …", code, stderr, exitInitFailed)
	}
}
