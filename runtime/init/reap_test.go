package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// TestReapsOrphans has init's child double-fork a grandchild that outlives
// its parent, and checks that the orphan is re-parented to init and, once
// it exits, reaped by it.
func TestReapsOrphans(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "grandchild")
	cmd := initCmd(t, testEnv("INIT_TEST_HELPER=orphaner", "INIT_TEST_FILE="+file), "--", self)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	initPid := cmd.Process.Pid

	var line []byte
	testkit.Eventually(t, "grandchild to report", func() bool {
		line, err = os.ReadFile(file)
		return err == nil
	})
	var gpid, ppid int
	if _, err := fmt.Sscan(string(line), &gpid, &ppid); err != nil {
		t.Fatalf("grandchild wrote %q: %v", line, err)
	}
	if ppid != initPid {
		t.Fatalf("orphan %d re-parented to %d, want init %d", gpid, ppid, initPid)
	}
	testkit.Eventually(t, fmt.Sprintf("orphan %d to be reaped", gpid), func() bool {
		_, p, err := procStat(gpid)
		return err != nil || p != initPid // gone, or the pid was reused
	})
	for _, z := range zombiesOf(t, initPid) {
		t.Errorf("zombie %d left with init as parent", z)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd); code != 128+15 {
		t.Errorf("exit code %d, want 143", code)
	}
}

// procStat returns the state and parent pid of pid from /proc.
func procStat(pid int) (state byte, ppid int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// pid (comm) state ppid …; comm may hold spaces and parentheses.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 2 {
		return 0, 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ppid, err = strconv.Atoi(fields[1])
	return fields[0][0], ppid, err
}

// zombiesOf lists the zombie children of parent.
func zombiesOf(t *testing.T, parent int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var zombies []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, ppid, err := procStat(pid); err == nil && state == 'Z' && ppid == parent {
			zombies = append(zombies, pid)
		}
	}
	return zombies
}

// orphaner is init's child in TestReapsOrphans: it starts a middle process
// that starts the grandchild and exits at once, then waits to be killed.
func orphaner() int {
	self, _ := os.Executable()
	mid := exec.Command(self)
	mid.Env = append(os.Environ(), "INIT_TEST_HELPER=middle")
	mid.Stderr = os.Stderr
	if err := mid.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "middle:", err)
		return 1
	}
	time.Sleep(time.Minute) // until the test sends SIGTERM
	return 1
}

func middle() int {
	self, _ := os.Executable()
	gc := exec.Command(self)
	gc.Env = append(os.Environ(), "INIT_TEST_HELPER=grandchild", "INIT_TEST_MIDDLE="+strconv.Itoa(os.Getpid()))
	gc.Stderr = os.Stderr
	if err := gc.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "grandchild:", err)
		return 1
	}
	return 0
}

// grandchild waits to be orphaned, reports its pid and new parent, and
// exits, to become a zombie that only its new parent can reap.
func grandchild() int {
	mid, _ := strconv.Atoi(os.Getenv("INIT_TEST_MIDDLE"))
	deadline := time.Now().Add(10 * time.Second)
	for os.Getppid() == mid {
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "grandchild: never orphaned")
			return 1
		}
		time.Sleep(time.Millisecond)
	}
	file := os.Getenv("INIT_TEST_FILE")
	if err := os.WriteFile(file+".tmp", []byte(pidLine(os.Getpid(), os.Getppid())), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.Rename(file+".tmp", file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// pidLine formats pids for the helpers' files.
func pidLine(pids ...int) string {
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, " ")
}
