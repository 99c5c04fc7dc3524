package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// call is one syscall as seccomp sees it.
type call struct {
	arch uint32
	nr   uint32
	args [6]uint64
}

// data is the call as struct seccomp_data.
func (c call) data() []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[offNr:], c.nr)
	binary.LittleEndian.PutUint32(b[offArch:], c.arch)
	for i, a := range c.args {
		binary.LittleEndian.PutUint64(b[offArgs+8*i:], a)
	}
	return b
}

// run interprets prog on c as the kernel would, for the instructions the
// compiler emits; anything else is an error.
func run(prog []unix.SockFilter, c call) (uint32, error) {
	data := c.data()
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if int(ins.K)+4 > len(data) || ins.K%4 != 0 {
				return 0, fmt.Errorf("pc %d: load at %d", pc, ins.K)
			}
			acc = binary.LittleEndian.Uint32(data[ins.K:])
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			acc &= ins.K
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(ins.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K, unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			var hold bool
			switch ins.Code &^ (unix.BPF_JMP | unix.BPF_K) {
			case unix.BPF_JEQ:
				hold = acc == ins.K
			case unix.BPF_JGT:
				hold = acc > ins.K
			case unix.BPF_JGE:
				hold = acc >= ins.K
			}
			if hold {
				pc += int(ins.Jt)
			} else {
				pc += int(ins.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return ins.K, nil
		default:
			return 0, fmt.Errorf("pc %d: instruction %#x not emitted by the compiler", pc, ins.Code)
		}
	}
	return 0, fmt.Errorf("ran off the end of the program")
}

// reference decides c by the rules directly, as the compiled program must.
func reference(rules map[uint32][]rule, def uint32, c call) uint32 {
	if c.arch != auditArch || (x32Bit != 0 && c.nr >= x32Bit) {
		return unix.SECCOMP_RET_KILL_PROCESS
	}
	for _, r := range rules[c.nr] {
		if r.holds(c) {
			return r.action
		}
	}
	return def
}

func (r rule) holds(c call) bool {
	for _, cd := range r.conds {
		if !cd.holds(c.args[cd.arg]) {
			return false
		}
	}
	return true
}

func (cd cond) holds(v uint64) bool {
	switch cd.op {
	case "SCMP_CMP_EQ":
		return v == cd.value
	case "SCMP_CMP_NE":
		return v != cd.value
	case "SCMP_CMP_GT":
		return v > cd.value
	case "SCMP_CMP_GE":
		return v >= cd.value
	case "SCMP_CMP_LT":
		return v < cd.value
	case "SCMP_CMP_LE":
		return v <= cd.value
	case "SCMP_CMP_MASKED_EQ":
		return v&cd.value == cd.value2
	case opMaskedNonZero:
		return v&cd.value != 0
	}
	panic("operator " + string(cd.op))
}
