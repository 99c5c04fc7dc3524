package seccomp

import "golang.org/x/sys/unix"

// asm assembles a classic BPF program backwards, from its last instruction
// to its first. Every jump of seccomp's BPF goes forward, so a jump's target
// is always emitted before the jump itself and its distance is known on the
// spot: a conditional jump (8-bit offsets) whose target is farther away goes
// through an unconditional one (32-bit) placed right after it.
type asm struct {
	rev []unix.SockFilter // the program, last instruction first
}

// label is an instruction, by its index in asm.rev.
type label int

// Offsets into struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

func (a *asm) emit(code uint16, jt, jf uint8, k uint32) label {
	a.rev = append(a.rev, unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k})
	return label(len(a.rev) - 1)
}

// skip is how many instructions lie between the next one emitted and to.
func (a *asm) skip(to label) int { return len(a.rev) - int(to) - 1 }

func (a *asm) ret(action uint32) label { return a.emit(unix.BPF_RET|unix.BPF_K, 0, 0, action) }

// load loads the 32-bit word at off of seccomp_data.
func (a *asm) load(off uint32) label {
	return a.emit(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 0, 0, off)
}

func (a *asm) and(k uint32) label { return a.emit(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, 0, 0, k) }

func (a *asm) goTo(to label) label { return a.emit(unix.BPF_JMP|unix.BPF_JA, 0, 0, uint32(a.skip(to))) }

// jump compares the accumulator with k (op: BPF_JEQ, BPF_JGT, BPF_JGE) and
// continues at t if the comparison holds, else at f.
func (a *asm) jump(op uint16, k uint32, t, f label) label {
	if a.skip(t) > 0xff {
		t = a.goTo(t)
	}
	if a.skip(f) > 0xff {
		f = a.goTo(f)
	}
	if a.skip(t) > 0xff { // moved away by f's step
		t = a.goTo(t)
	}
	return a.emit(unix.BPF_JMP|op|unix.BPF_K, uint8(a.skip(t)), uint8(a.skip(f)), k)
}

// program is the assembled program, first instruction first.
func (a *asm) program() []unix.SockFilter {
	p := make([]unix.SockFilter, len(a.rev))
	for i, ins := range a.rev {
		p[len(p)-1-i] = ins
	}
	return p
}
