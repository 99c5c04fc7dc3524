package seccomp

import (
	"errors"
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxInstructions is the kernel's limit on a filter's length (BPF_MAXINSNS).
const maxInstructions = 4096

// ErrProfile is what is wrong with a profile that cannot be compiled.
var ErrProfile = errors.New("seccomp profile")

// A rule decides a syscall's fate when all of its conditions hold.
type rule struct {
	conds  []cond
	action uint32 // SECCOMP_RET_* with its data
}

// A cond compares one 64-bit argument of the call.
type cond struct {
	arg    uint32 // 0-5
	op     specs.LinuxSeccompOperator
	value  uint64 // the operand; the mask for masked operators
	value2 uint64 // the operand of masked operators
}

// opMaskedNonZero is lambdad's own operator, not the spec's: the argument
// has any bit of value set.
const opMaskedNonZero specs.LinuxSeccompOperator = "lambdad_MASKED_NONZERO"

// program compiles the rules by syscall number, each syscall's rules tried
// in order, with def for calls no rule decides.
func program(rules map[uint32][]rule, def uint32) ([]unix.SockFilter, error) {
	var a asm
	kill := a.ret(unix.SECCOMP_RET_KILL_PROCESS)
	deny := a.ret(def)

	// One block per syscall: its rules, then the default action. A syscall
	// decided unconditionally shares one return per action.
	shared := map[uint32]label{def: deny}
	nrs := make([]uint32, 0, len(rules))
	for nr := range rules {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	blocks := make(map[uint32]label, len(nrs))
	for _, nr := range nrs {
		rs := rules[nr]
		if len(rs[0].conds) == 0 {
			l, ok := shared[rs[0].action]
			if !ok {
				l = a.ret(rs[0].action)
				shared[rs[0].action] = l
			}
			blocks[nr] = l
			continue
		}
		next := deny
		for i := len(rs) - 1; i >= 0; i-- {
			next = a.rule(rs[i], next)
		}
		blocks[nr] = next
	}

	// The program's start: the architecture, then the number.
	body := a.search(nrs, blocks, deny)
	if x32Bit != 0 {
		a.jump(unix.BPF_JGE, x32Bit, kill, body)
	}
	nr := a.load(offNr)
	a.jump(unix.BPF_JEQ, auditArch, nr, kill)
	a.load(offArch)

	if n := len(a.rev); n > maxInstructions {
		return nil, fmt.Errorf("%w: %d instructions, the kernel takes at most %d", ErrProfile, n, maxInstructions)
	}
	return a.program(), nil
}

// search dispatches on the syscall number in the accumulator by binary
// search over the sorted nrs, to their blocks, or to deny.
func (a *asm) search(nrs []uint32, blocks map[uint32]label, deny label) label {
	if len(nrs) <= 3 {
		next := deny
		for i := len(nrs) - 1; i >= 0; i-- {
			next = a.jump(unix.BPF_JEQ, nrs[i], blocks[nrs[i]], next)
		}
		return next
	}
	mid := len(nrs) / 2
	right := a.search(nrs[mid:], blocks, deny)
	left := a.search(nrs[:mid], blocks, deny)
	return a.jump(unix.BPF_JGE, nrs[mid], right, left)
}

// rule emits r: its conditions in turn, then its action; any condition that
// does not hold continues at fail.
func (a *asm) rule(r rule, fail label) label {
	next := a.ret(r.action)
	for i := len(r.conds) - 1; i >= 0; i-- {
		next = a.cond(r.conds[i], next, fail)
	}
	return next
}

// cond emits the 64-bit comparison c as 32-bit ones on the high word,
// then the low one: it continues at pass if c holds, else at fail.
func (a *asm) cond(c cond, pass, fail label) label {
	lo := offArgs + 8*c.arg // little-endian: the low word first
	hi := lo + 4
	vlo, vhi := uint32(c.value), uint32(c.value>>32)
	switch c.op {
	case specs.OpEqualTo:
		a.jump(unix.BPF_JEQ, vlo, pass, fail)
		a.jump(unix.BPF_JEQ, vhi, a.load(lo), fail)
	case specs.OpNotEqual:
		a.jump(unix.BPF_JEQ, vlo, fail, pass)
		a.jump(unix.BPF_JEQ, vhi, a.load(lo), pass)
	case specs.OpGreaterThan, specs.OpGreaterEqual:
		op := uint16(unix.BPF_JGT)
		if c.op == specs.OpGreaterEqual {
			op = unix.BPF_JGE
		}
		a.jump(op, vlo, pass, fail)
		hiEqual := a.jump(unix.BPF_JEQ, vhi, a.load(lo), fail)
		a.jump(unix.BPF_JGT, vhi, pass, hiEqual)
	case specs.OpLessThan, specs.OpLessEqual:
		// Not >= v, not > v.
		op := uint16(unix.BPF_JGE)
		if c.op == specs.OpLessEqual {
			op = unix.BPF_JGT
		}
		a.jump(op, vlo, fail, pass)
		hiEqual := a.jump(unix.BPF_JEQ, vhi, a.load(lo), pass)
		a.jump(unix.BPF_JGT, vhi, fail, hiEqual)
	case specs.OpMaskedEqual:
		wlo, whi := uint32(c.value2), uint32(c.value2>>32)
		a.jump(unix.BPF_JEQ, wlo, pass, fail)
		a.and(vlo)
		a.jump(unix.BPF_JEQ, whi, a.load(lo), fail)
		a.and(vhi)
	case opMaskedNonZero:
		a.jump(unix.BPF_JEQ, 0, fail, pass)
		a.and(vlo)
		a.jump(unix.BPF_JEQ, 0, a.load(lo), pass)
		a.and(vhi)
	default:
		panic("seccomp: operator " + string(c.op) + " not validated")
	}
	return a.load(hi)
}
