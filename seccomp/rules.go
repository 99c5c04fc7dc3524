package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// rulesOf turns the profile's syscall rules into rules by syscall number,
// after first (lambdad's own, tried before the profile's), and returns the
// default action.
func rulesOf(p *specs.LinuxSeccomp, first []namedRule) (map[uint32][]rule, uint32, error) {
	if len(p.Flags) > 0 {
		return nil, 0, fmt.Errorf("%w: flags %v are not supported", ErrProfile, p.Flags)
	}
	if p.ListenerPath != "" {
		return nil, 0, fmt.Errorf("%w: a listener (SCMP_ACT_NOTIFY) is not supported", ErrProfile)
	}
	if len(p.Architectures) > 0 && !slices.Contains(p.Architectures, specArch) {
		return nil, 0, fmt.Errorf("%w: architectures %v leave out this machine's, %s", ErrProfile, p.Architectures, specArch)
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: default action: %w", ErrProfile, err)
	}
	rules := map[uint32][]rule{}
	for _, r := range first {
		if nr, ok := lookup(r.name); ok {
			rules[nr] = append(rules[nr], r.rule)
		}
	}
	for i, s := range p.Syscalls {
		act, err := action(s.Action, s.ErrnoRet)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: syscalls[%d] %v: %w", ErrProfile, i, s.Names, err)
		}
		conds, err := condsOf(s.Args)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: syscalls[%d] %v: %w", ErrProfile, i, s.Names, err)
		}
		for _, name := range s.Names {
			nr, ok := lookup(name)
			if !ok {
				continue // another architecture's, or a kernel's this table predates
			}
			for _, c := range conds {
				rules[nr] = append(rules[nr], rule{conds: c, action: act})
			}
		}
	}
	return rules, def, nil
}

// condsOf reads a rule's argument conditions as alternatives, each a list of
// conditions that must all hold: one list, unless an argument is compared
// more than once, in which case each comparison stands alone (as runc reads
// profiles, after libseccomp's rules).
func condsOf(args []specs.LinuxSeccompArg) ([][]cond, error) {
	var all []cond
	seen := map[uint]bool{}
	repeated := false
	for _, a := range args {
		if a.Index > 5 {
			return nil, fmt.Errorf("argument index %d: a syscall has 6", a.Index)
		}
		switch a.Op {
		case specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
			specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual:
		default:
			return nil, fmt.Errorf("operator %q not known", a.Op)
		}
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
		all = append(all, cond{arg: uint32(a.Index), op: a.Op, value: a.Value, value2: a.ValueTwo})
	}
	if !repeated {
		return [][]cond{all}, nil
	}
	alts := make([][]cond, len(all))
	for i, c := range all {
		alts[i] = []cond{c}
	}
	return alts, nil
}

// action is the filter's return value for a profile's action.
func action(a specs.LinuxSeccompAction, errno *uint) (uint32, error) {
	data := uint32(unix.EPERM)
	if errno != nil {
		if *errno > 0xffff {
			return 0, fmt.Errorf("errno %d out of range", *errno)
		}
		data = uint32(*errno)
	}
	switch a {
	case specs.ActAllow:
		return unix.SECCOMP_RET_ALLOW, nil
	case specs.ActErrno:
		return unix.SECCOMP_RET_ERRNO | data, nil
	case specs.ActKill, specs.ActKillThread:
		return unix.SECCOMP_RET_KILL_THREAD, nil
	case specs.ActKillProcess:
		return unix.SECCOMP_RET_KILL_PROCESS, nil
	case specs.ActTrap:
		return unix.SECCOMP_RET_TRAP, nil
	case specs.ActTrace:
		return unix.SECCOMP_RET_TRACE | data, nil
	case specs.ActLog:
		return unix.SECCOMP_RET_LOG, nil
	}
	return 0, fmt.Errorf("action %q not supported", a)
}

// namedRule is a rule for a syscall by name.
type namedRule struct {
	name string
	rule
}

// readImpliesExec is personality(2)'s READ_IMPLIES_EXEC.
const readImpliesExec = 0x0400000

// namespaceFlags are clone's flags that make new namespaces.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

// lambdaRules are what lambdad refuses whatever Docker's default profile
// allows, checked before it: a function needs no namespaces (clone3 hides its
// flags from seccomp, so it answers ENOSYS and libc falls back to clone),
// nor io_uring, nor a socket into the host's and other sandboxes' shared
// vsock port space, nor the kernel keyring, userfaultfd, perf events, BPF,
// or executable data (READ_IMPLIES_EXEC). Docker's profile refuses all of
// them to a process without capabilities today; these rules keep it so.
func lambdaRules() []namedRule {
	eperm := uint32(unix.SECCOMP_RET_ERRNO | unix.EPERM)
	deny := func(names ...string) []namedRule {
		var rs []namedRule
		for _, n := range names {
			rs = append(rs, namedRule{n, rule{action: eperm}})
		}
		return rs
	}
	rs := []namedRule{
		{"clone", rule{conds: []cond{{arg: 0, op: opMaskedNonZero, value: namespaceFlags}}, action: eperm}},
		{"clone3", rule{action: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)}},
		{"socket", rule{conds: []cond{{arg: 0, op: specs.OpEqualTo, value: unix.AF_VSOCK}}, action: eperm}},
		{"personality", rule{conds: []cond{ // 0xffffffff only asks
			{arg: 0, op: specs.OpNotEqual, value: 0xffffffff},
			{arg: 0, op: opMaskedNonZero, value: readImpliesExec},
		}, action: eperm}},
	}
	return append(rs, deny("unshare", "setns", "io_uring_setup", "io_uring_enter", "io_uring_register",
		"add_key", "keyctl", "request_key", "userfaultfd", "perf_event_open", "bpf")...)
}
