package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The architecture the filter admits, as seccomp_data.arch and as profiles
// name it. On x86-64, syscall numbers with the x32 bit are refused too.
const (
	auditArch = unix.AUDIT_ARCH_X86_64
	specArch  = specs.ArchX86_64
	x32Bit    = 0x40000000
)
