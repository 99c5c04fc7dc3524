// Command escapefn tries, from inside a sandbox, what a function must not be
// able to do, and prints one line per attempt: NAME=ok if it worked, else
// NAME=ERRNO (the error's name, such as EPERM). The escape tests
// (sandbox/escape_test.go) run it as a sandbox's command and check each
// line. It takes the paths to try writing as arguments.
//
// With --syscalls N as its arguments it does nothing of that, and instead
// times N getppid calls and prints ns_per_syscall=X (the seccomp benchmark).
// With --inotify N it makes up to N inotify instances, prints
// inotify=MADE and, if one failed, inotify_error=ERRNO, then holds them
// until killed (the per-uid limit test, sandbox/userns_test.go).
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--exit" { // a child's life (child)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--syscalls" {
		timeSyscalls(os.Args[2])
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--inotify" {
		holdInotify(os.Args[2])
		return
	}
	// unshare acts on the calling thread: keep the attempts on one.
	runtime.LockOSThread()
	attempts := []struct {
		name string
		try  func() error
	}{
		{"unshare_user", func() error { return unix.Unshare(unix.CLONE_NEWUSER) }},
		{"unshare_net", func() error { return unix.Unshare(unix.CLONE_NEWNET) }},
		{"unshare_mnt", func() error { return unix.Unshare(unix.CLONE_NEWNS) }},
		{"clone_user", func() error { return child(unix.CLONE_NEWUSER) }},
		{"clone_net", func() error { return child(unix.CLONE_NEWNET) }},
		{"clone_plain", func() error { return child(0) }},
		{"clone3", clone3},
		{"setns", setns},
		{"mount", func() error { return unix.Mount("none", "/tmp", "tmpfs", 0, "") }},
		{"io_uring_setup", ioUringSetup},
		{"socket_vsock", func() error { return socket(unix.AF_VSOCK, unix.SOCK_STREAM) }},
		{"socket_packet", func() error { return socket(unix.AF_PACKET, unix.SOCK_RAW) }},
		{"socket_inet", func() error { return socket(unix.AF_INET, unix.SOCK_STREAM) }},
		{"add_key", addKey},
		{"keyctl", func() error {
			_, err := unix.KeyctlJoinSessionKeyring("lambdad-probe")
			return err
		}},
		{"perf_event_open", perfEventOpen},
		{"userfaultfd", func() error { return fd(unix.Syscall(unix.SYS_USERFAULTFD, 0, 0, 0)) }},
		{"bpf", func() error { return fd(unix.Syscall(unix.SYS_BPF, unix.BPF_MAP_CREATE, 0, 0)) }},
		{"personality_rie", personality},
		{"ptrace_init", ptraceInit},
		{"read_init_environ", func() error { return readFile("/proc/1/environ") }},
		{"proc_config_gz", func() error { return nonEmpty("/proc/config.gz") }},
		{"proc_key_users", func() error { return nonEmpty("/proc/key-users") }},
		{"proc_keys", func() error { return nonEmpty("/proc/keys") }},
		{"proc_kcore", func() error { return readFile("/proc/kcore") }},
	}
	for _, a := range attempts {
		report(a.name, a.try())
	}
	for _, path := range os.Args[1:] {
		report("write:"+path, os.WriteFile(path, []byte("x"), 0o644))
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Seccomp:") || strings.HasPrefix(line, "NoNewPrivs:") {
			fmt.Println(strings.Join(strings.Fields(line), ""))
		}
	}
}

func report(name string, err error) {
	var errno syscall.Errno
	switch {
	case err == nil:
		fmt.Printf("%s=ok\n", name)
	case errors.As(err, &errno):
		fmt.Printf("%s=%s\n", name, unix.ErrnoName(errno))
	default:
		fmt.Printf("%s=%v\n", name, err)
	}
}

// fd turns a raw syscall that returns a file descriptor into an error,
// closing the descriptor if there is one.
func fd(r, _ uintptr, errno syscall.Errno) error {
	if errno != 0 {
		return errno
	}
	unix.Close(int(r))
	return nil
}

// child starts this program again in a new process made with clone's
// flags (namespaces among them), which exits at once: Go's own fork, which
// runs nothing of Go in the child before its exec (a raw clone here hung
// now and then in the cgroup v2 lane's emulated guest).
func child(flags uintptr) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "--exit")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags}
	return cmd.Run()
}

// clone3 calls clone3 with no arguments: without a filter the kernel
// refuses them (EFAULT or EINVAL), so no process is ever made; a filter
// answers ENOSYS first.
func clone3() error {
	_, _, errno := unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func setns() error {
	f, err := os.Open("/proc/self/ns/net")
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
}

func ioUringSetup() error {
	var params [120]byte
	return fd(unix.Syscall(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafe.Pointer(&params[0])), 0))
}

func socket(domain, typ int) error {
	s, err := unix.Socket(domain, typ, 0)
	if err == nil {
		unix.Close(s)
	}
	return err
}

func addKey() error {
	_, err := unix.AddKey("user", "lambdad-probe", []byte("x"), unix.KEY_SPEC_PROCESS_KEYRING)
	return err
}

func perfEventOpen() error {
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_CPU_CLOCK}
	attr.Size = uint32(unsafe.Sizeof(attr))
	r, err := unix.PerfEventOpen(&attr, 0, -1, -1, 0)
	if err == nil {
		unix.Close(r)
	}
	return err
}

// personality asks for READ_IMPLIES_EXEC, and puts things back if given it.
func personality() error {
	const readImpliesExec = 0x0400000
	old, _, errno := unix.Syscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
	if errno != 0 {
		return errno
	}
	if _, _, errno := unix.Syscall(unix.SYS_PERSONALITY, old|readImpliesExec, 0, 0); errno != 0 {
		return errno
	}
	unix.Syscall(unix.SYS_PERSONALITY, old, 0, 0)
	return nil
}

// ptraceInit attaches to the sandbox's init (PID 1), and detaches if it could.
func ptraceInit() error {
	if err := unix.PtraceAttach(1); err != nil {
		return err
	}
	var ws unix.WaitStatus
	unix.Wait4(1, &ws, unix.WALL, nil)
	return unix.PtraceDetach(1)
}

func readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var b [16]byte
	_, err = f.Read(b[:])
	return err
}

// nonEmpty reads path; an empty or absent file is what masking leaves.
func nonEmpty(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return errors.New("empty")
	}
	return nil
}

// timeSyscalls prints the mean cost of getppid, the cheapest syscall, over n
// calls: what a filter adds to every syscall shows there undiluted.
func timeSyscalls(arg string) {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "escapefn: --syscalls N")
		os.Exit(2)
	}
	start := time.Now()
	for range n {
		unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	}
	fmt.Printf("ns_per_syscall=%.1f\n", float64(time.Since(start).Nanoseconds())/float64(n))
}

func holdInotify(arg string) {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "escapefn: --inotify N")
		os.Exit(2)
	}
	made := 0
	for ; made < n; made++ {
		if _, err = unix.InotifyInit1(unix.IN_CLOEXEC); err != nil {
			break
		}
	}
	fmt.Printf("inotify=%d\n", made)
	if err != nil {
		report("inotify_error", err)
	}
	for {
		time.Sleep(time.Hour) // holding the instances until the sandbox ends
	}
}
