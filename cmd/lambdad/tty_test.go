package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lambdad/lambdad/internal/testkit"
)

// openPty is a new pseudo-terminal: its master and its slave.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("SKIPPED: no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// TestRunNoTerminal: `lambdad run` on a terminal does not hand the
// terminal to the sandbox (issue 12 §6): its standard streams are pipes
// and /dev/null, so it can neither change the terminal's settings nor push
// input into it; its output still reaches the terminal.
func TestRunNoTerminal(t *testing.T) {
	master, slave := openPty(t)
	var seen testkit.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&seen, master) // ends with EIO once no one has the slave open
		close(copied)
	}()
	script := `for fd in 0 1 2; do [ -t $fd ] && echo "fd$fd=tty" || echo "fd$fd=notty"; done
		stty raw 2>/dev/null <&1 && echo stty=changed || echo stty=refused`
	r := lambdadRunWith(t, func(cmd *exec.Cmd) {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	}, "--code", busybox, "--", "/var/task/sh", "-c", script)
	slave.Close()
	<-copied
	out := strings.ReplaceAll(seen.String(), "\r\n", "\n")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, out)
	}
	for _, want := range []string{"fd0=notty\n", "fd1=notty\n", "fd2=notty\n", "stty=refused\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in what reached the terminal:\n%s", want, out)
		}
	}
}
