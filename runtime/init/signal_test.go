package main

import (
	"bufio"
	"fmt"
	"syscall"
	"testing"
	"time"
)

func TestSignalForwarded(t *testing.T) {
	signals := []struct {
		name string
		sig  syscall.Signal
	}{
		{"TERM", syscall.SIGTERM}, {"INT", syscall.SIGINT}, {"HUP", syscall.SIGHUP},
		{"QUIT", syscall.SIGQUIT}, {"USR1", syscall.SIGUSR1}, {"USR2", syscall.SIGUSR2},
		{"WINCH", syscall.SIGWINCH}, {"CONT", syscall.SIGCONT},
	}
	for i, s := range signals {
		t.Run(s.name, func(t *testing.T) {
			want := 10 + i
			script := fmt.Sprintf(`trap "exit %d" %s; echo ready; while :; do sleep 0.05; done`, want, s.name)
			if got := signalInit(t, s.sig, script); got != want {
				t.Errorf("exit code %d, want %d", got, want)
			}
		})
	}
	t.Run("untrapped TERM", func(t *testing.T) {
		if got := signalInit(t, syscall.SIGTERM, `echo ready; while :; do sleep 0.05; done`); got != 128+15 {
			t.Errorf("exit code %d, want 143", got)
		}
	})
}

// signalInit runs init with sh -c script, waits for the script to print
// "ready", sends sig to init and returns init's exit code.
func signalInit(t *testing.T, sig syscall.Signal, script string) int {
	t.Helper()
	cmd := initCmd(t, testEnv(), "--", "sh", "-c", script)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if line != "ready\n" {
			t.Fatalf("child printed %q, want ready", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("child not ready within 10s")
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	return waitExit(t, cmd)
}
