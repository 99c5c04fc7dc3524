package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/lambdad/lambdad/internal/testkit"
)

// denyMkdir is a seccomp filter that refuses mkdir and mkdirat with EPERM
// and allows everything else, as struct sock_filter[] bytes.
func denyMkdir(t *testing.T) []byte {
	t.Helper()
	const (
		ldAbs = syscall.BPF_LD | syscall.BPF_W | syscall.BPF_ABS
		jeq   = syscall.BPF_JMP | syscall.BPF_JEQ | syscall.BPF_K
		ret   = syscall.BPF_RET | syscall.BPF_K
		allow = 0x7fff0000
		eperm = 0x00050000 | uint32(syscall.EPERM)
	)
	prog := []syscall.SockFilter{
		{Code: ldAbs, K: 0},
		{Code: jeq, Jt: 2, K: uint32(mkdirNr)},
		{Code: jeq, Jt: 1, K: uint32(syscall.SYS_MKDIRAT)},
		{Code: ret, K: allow},
		{Code: ret, K: eperm},
	}
	var b bytes.Buffer
	if err := binary.Write(&b, binary.NativeEndian, prog); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// filterPipe is a pipe holding data, its write end closed, for init's fd 3.
func filterPipe(t *testing.T, data []byte) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { r.Close() })
	return r
}

// TestSeccompFilter: the filter on --seccomp-fd holds for the command.
func TestSeccompFilter(t *testing.T) {
	dir := t.TempDir()
	script := `mkdir "$0/made"; echo "mkdir=$?"; grep '^Seccomp:' /proc/self/status`
	run := func(args ...string) (int, string, string) {
		var out, errOut strings.Builder
		cmd := initCmd(t, testEnv(), append(args, "--", "sh", "-c", script, dir)...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		cmd.ExtraFiles = []*os.File{filterPipe(t, denyMkdir(t))}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return waitExit(t, cmd), out.String(), errOut.String()
	}

	code, out, stderr := run("--seccomp-fd", "3")
	if code != 0 || !strings.Contains(out, "mkdir=1") || !strings.Contains(out, "Seccomp:\t2") {
		t.Errorf("with the filter: exit %d, stdout %q, stderr %q; want mkdir refused and Seccomp 2", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "made")); err == nil {
		t.Error("mkdir succeeded under the filter")
	}
	code, out, _ = run()
	if code != 0 || !strings.Contains(out, "mkdir=0") || !strings.Contains(out, "Seccomp:\t0") {
		t.Errorf("without --seccomp-fd: exit %d, stdout %q; want mkdir done, no filter", code, out)
	}
}

// TestSeccompFilterBad: no program on the fd is init's own failure, and
// the command does not start.
func TestSeccompFilterBad(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "ran")
	for name, data := range map[string][]byte{"empty": nil, "torn": make([]byte, 13)} {
		var errOut strings.Builder
		cmd := initCmd(t, testEnv(), "--seccomp-fd", "3", "--", "touch", mark)
		cmd.Stderr = &errOut
		cmd.ExtraFiles = []*os.File{filterPipe(t, data)}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, cmd); code != exitInitFailed || !strings.Contains(errOut.String(), "init: seccomp filter") {
			t.Errorf("%s: exit %d, stderr %q; want %d and init: seccomp filter …", name, code, errOut.String(), exitInitFailed)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the command ran without its filter")
	}
}

// TestUndumpable: init is not dumpable, so its /proc files belong to root
// whatever uid it runs as, and a process of its uid cannot ptrace it.
func TestUndumpable(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to run init as another uid")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cmd := initCmd(t, testEnv(), "--hold", "--", "true")
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	environ := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "environ")
	// Until init has run its first lines, it is dumpable: poll.
	testkit.Eventually(t, "init's /proc files belong to root", func() bool {
		var st syscall.Stat_t
		return syscall.Stat(environ, &st) == nil && st.Uid == 0
	})
}
