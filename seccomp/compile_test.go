package seccomp

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var ops = []specs.LinuxSeccompOperator{
	specs.OpEqualTo, specs.OpNotEqual, specs.OpGreaterThan, specs.OpGreaterEqual,
	specs.OpLessThan, specs.OpLessEqual, specs.OpMaskedEqual, opMaskedNonZero,
}

// interesting are argument values around which 64-bit comparisons split:
// equal, one off, and differing only in the high or the low word.
func interesting(r *rand.Rand, v uint64) uint64 {
	switch r.IntN(7) {
	case 0:
		return v
	case 1:
		return v + 1
	case 2:
		return v - 1
	case 3:
		return v ^ 1<<32
	case 4:
		return v ^ 1
	case 5:
		return r.Uint64() & 0x1_0000_00ff
	}
	return r.Uint64()
}

// TestProgramMatchesRules compiles random rule sets (many syscalls, so that
// jumps get long, conditions of every operator on words that differ in the
// high or the low half) and checks the program decides random calls as the
// rules say.
func TestProgramMatchesRules(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		rules := map[uint32][]rule{}
		var values []uint64
		for range 1 + r.IntN(300) {
			nr := uint32(r.IntN(500))
			for range 1 + r.IntN(3) {
				var conds []cond
				n := 0
				if r.IntN(3) == 0 {
					n = 1 + r.IntN(3)
				}
				for range n {
					v := uint64(r.IntN(4))<<32 | uint64(r.IntN(8))
					conds = append(conds, cond{arg: uint32(r.IntN(6)), op: ops[r.IntN(len(ops))], value: v, value2: v & uint64(r.IntN(16))})
					values = append(values, v)
				}
				rules[nr] = append(rules[nr], rule{conds: conds, action: unix.SECCOMP_RET_ERRNO | uint32(r.IntN(100))})
			}
		}
		values = append(values, 0)
		def := uint32(unix.SECCOMP_RET_ALLOW)
		prog, err := program(rules, def)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for range 2000 {
			c := call{arch: auditArch, nr: uint32(r.IntN(520))}
			if r.IntN(50) == 0 {
				c.arch = unix.AUDIT_ARCH_I386
			}
			if x32Bit != 0 && r.IntN(50) == 0 {
				c.nr |= x32Bit
			}
			for i := range c.args {
				c.args[i] = interesting(r, values[r.IntN(len(values))])
			}
			got, err := run(prog, c)
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if want := reference(rules, def, c); got != want {
				t.Fatalf("round %d: call %+v: program says %#x, rules %#x", round, c, got, want)
			}
		}
	}
}

// decide runs f on the native call of name with args.
func decide(t *testing.T, f *Filter, name string, args ...uint64) uint32 {
	t.Helper()
	nr, ok := lookup(name)
	if !ok {
		t.Fatalf("no syscall %s here", name)
	}
	c := call{arch: auditArch, nr: nr}
	copy(c.args[:], args)
	got, err := run(f.prog, c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

const (
	sigchld = uint64(unix.SIGCHLD)
	allow   = unix.SECCOMP_RET_ALLOW
	eperm   = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	enosys  = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

// TestDefault: what the issue and the README promise of the default filter.
func TestDefault(t *testing.T) {
	f, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []uint64
		want uint32
	}{
		{"read", nil, allow},
		{"clone", []uint64{sigchld}, allow},
		{"clone", []uint64{unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD | unix.CLONE_SYSVSEM}, allow},
		{"clone", []uint64{unix.CLONE_NEWUSER | sigchld}, eperm},
		{"clone", []uint64{unix.CLONE_NEWNET}, eperm},
		{"clone", []uint64{1<<32 | sigchld}, allow}, // flags are an int: the high word is not a namespace
		{"clone3", nil, enosys},
		{"unshare", []uint64{unix.CLONE_NEWUSER}, eperm},
		{"unshare", []uint64{unix.CLONE_FILES}, eperm},
		{"setns", nil, eperm},
		{"mount", nil, eperm},
		{"io_uring_setup", nil, eperm},
		{"io_uring_enter", nil, eperm},
		{"io_uring_register", nil, eperm},
		{"socket", []uint64{unix.AF_INET, unix.SOCK_STREAM}, allow},
		{"socket", []uint64{unix.AF_UNIX, unix.SOCK_STREAM}, allow},
		{"socket", []uint64{unix.AF_INET6, unix.SOCK_DGRAM}, allow},
		{"socket", []uint64{unix.AF_NETLINK, unix.SOCK_RAW}, allow},
		{"socket", []uint64{unix.AF_VSOCK, unix.SOCK_STREAM}, eperm},
		{"socket", []uint64{unix.AF_ALG, unix.SOCK_SEQPACKET}, eperm},
		{"add_key", nil, eperm},
		{"keyctl", nil, eperm},
		{"request_key", nil, eperm},
		{"perf_event_open", nil, eperm},
		{"userfaultfd", nil, eperm},
		{"bpf", nil, eperm},
		{"personality", []uint64{0}, allow},
		{"personality", []uint64{0xffffffff}, allow},
		{"personality", []uint64{readImpliesExec}, eperm},
		{"ptrace", nil, allow},
		{"kexec_load", nil, eperm},
		{"init_module", nil, eperm},
		{"reboot", nil, eperm},
		{"open_by_handle_at", nil, eperm},
		{"execve", nil, allow},
		{"rseq", nil, allow},
	}
	for _, tt := range tests {
		if got := decide(t, f, tt.name, tt.args...); got != tt.want {
			t.Errorf("%s%v: %#x, want %#x", tt.name, tt.args, got, tt.want)
		}
	}
	if got, _ := run(f.prog, call{arch: unix.AUDIT_ARCH_I386, nr: 1}); got != unix.SECCOMP_RET_KILL_PROCESS {
		t.Errorf("a 32-bit x86 call: %#x, want the process killed", got)
	}
}

// TestLambdaRulesNeeded: Docker's default already refuses what lambdad's own
// rules do, so they change nothing today; without them, the profile alone
// must still refuse each (if Docker's profile loosens, this says where).
func TestLambdaRulesNeeded(t *testing.T) {
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	docker, err := compile("docker", d.Profile, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lambdaRules() {
		if _, ok := lookup(r.name); !ok {
			t.Errorf("lambdad's rule names %s, not a syscall here", r.name)
		}
	}
	for _, name := range []string{"unshare", "setns", "io_uring_setup", "keyctl", "bpf", "userfaultfd"} {
		if got := decide(t, docker, name); got == allow {
			t.Errorf("docker's default allows %s", name)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if f, err := Load("unconfined"); err != nil || !f.IsUnconfined() || f.Program() != nil {
		t.Errorf("unconfined: %v, %v", f, err)
	}
	if f, err := Load("default"); err != nil || f.IsUnconfined() || len(f.Program()) != 8*f.Len() {
		t.Errorf("default: %v", err)
	}
	// A profile of one's own: only getpid refused, with a chosen errno.
	own := write("own.json", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid","no_such_call"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}`)
	f, err := Load(own)
	if err != nil {
		t.Fatal(err)
	}
	if got := decide(t, f, "getpid"); got != unix.SECCOMP_RET_ERRNO|13 {
		t.Errorf("own profile, getpid: %#x", got)
	}
	if got := decide(t, f, "unshare"); got != allow {
		t.Errorf("own profile, unshare: %#x (lambdad's rules are the default's only)", got)
	}
	bad := []struct{ name, body string }{
		{"notjson", `{`},
		{"empty", `{}`},
		{"badaction", `{"defaultAction":"SCMP_ACT_BOGUS"}`},
		{"badop", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"op":"SCMP_CMP_BOGUS"}]}]}`},
		{"badindex", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"op":"SCMP_CMP_EQ"}]}]}`},
		{"notify", `{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/x","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}`},
		{"otherarch", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_S390X"]}`},
	}
	for _, b := range bad {
		if _, err := Load(write(b.name+".json", b.body)); err == nil {
			t.Errorf("%s: loaded", b.name)
		} else if b.name != "notjson" && b.name != "empty" && !errors.Is(err, ErrProfile) {
			t.Errorf("%s: %v, want ErrProfile", b.name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
}
