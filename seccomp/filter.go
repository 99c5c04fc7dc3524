package seccomp

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"unsafe"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Profile names Load knows besides a file's path.
const (
	DefaultName    = "default"
	UnconfinedName = "unconfined"
)

// Filter is a compiled profile, ready for the in-sandbox init to install.
type Filter struct {
	// Name is where the profile came from: "default", "unconfined" or the
	// file's path.
	Name string
	// Profile is what was compiled (without lambdad's own rules); nil when
	// unconfined.
	Profile *specs.LinuxSeccomp
	prog    []unix.SockFilter
	bin     []byte // prog as the kernel reads it
}

// Unconfined is no filter at all.
var Unconfined = &Filter{Name: UnconfinedName}

// IsUnconfined tells whether f filters nothing.
func (f *Filter) IsUnconfined() bool { return f == nil || f.Profile == nil }

// Len is the program's number of instructions.
func (f *Filter) Len() int { return len(f.prog) }

// Program is the compiled program as the kernel reads it (an array of
// struct sock_filter, in this machine's byte order), nil when unconfined.
// The slice is shared: do not modify it.
func (f *Filter) Program() []byte {
	if f.IsUnconfined() {
		return nil
	}
	return f.bin
}

func encode(prog []unix.SockFilter) []byte {
	b := make([]byte, 0, len(prog)*int(unsafe.Sizeof(unix.SockFilter{})))
	for _, ins := range prog {
		b = binary.NativeEndian.AppendUint16(b, ins.Code)
		b = append(b, ins.Jt, ins.Jf)
		b = binary.NativeEndian.AppendUint32(b, ins.K)
	}
	return b
}

// Load compiles the profile name: "default" (Default), "unconfined", or the
// path of a profile in Docker's JSON format (`docker run --security-opt
// seccomp=FILE` takes the same), read for a process without capabilities.
func Load(name string) (*Filter, error) {
	switch name {
	case DefaultName, "":
		return Default()
	case UnconfinedName:
		return Unconfined, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("%w %s: not JSON", ErrProfile, name)
	}
	p, err := mobyseccomp.LoadProfile(string(data), noCapabilities())
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrProfile, name, err)
	}
	if p == nil {
		return nil, fmt.Errorf("%w %s: no default action and no syscalls (say \"unconfined\" for no filter)", ErrProfile, name)
	}
	return compile(name, p, nil)
}

// Default is lambdad's default filter: lambdad's own rules (see
// lambdaRules), then Docker's default profile for a process without
// capabilities. It is compiled once.
func Default() (*Filter, error) { return defaultFilter() }

var defaultFilter = sync.OnceValues(func() (*Filter, error) {
	p, err := mobyseccomp.GetDefaultProfile(noCapabilities())
	if err != nil {
		return nil, fmt.Errorf("%w: docker's default: %w", ErrProfile, err)
	}
	return compile(DefaultName, p, lambdaRules())
})

func compile(name string, p *specs.LinuxSeccomp, first []namedRule) (*Filter, error) {
	rules, def, err := rulesOf(p, first)
	if err != nil {
		return nil, err
	}
	prog, err := program(rules, def)
	if err != nil {
		return nil, err
	}
	return &Filter{Name: name, Profile: p, prog: prog, bin: encode(prog)}, nil
}

// noCapabilities is the spec Docker's profiles are read against: the
// sandbox's processes have no capabilities at all.
func noCapabilities() *specs.Spec {
	return &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
}
