package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The architecture the filter admits, as seccomp_data.arch and as profiles
// name it. arm64 has no second ABI in the same arch value.
const (
	auditArch = unix.AUDIT_ARCH_AARCH64
	specArch  = specs.ArchAARCH64
	x32Bit    = 0
)
