// Package seccomp compiles the seccomp filter every sandbox runs under.
//
// A profile is the OCI runtime spec's (specs.LinuxSeccomp), read from
// Docker's JSON format: lambdad's default is Docker's default profile for a
// process with no capabilities, with lambdad's own rules checked before it
// (Rules), or a file the operator gives (`lambdad serve --seccomp FILE`), or
// none at all ("unconfined").
//
// The daemon compiles the profile once, in pure Go, into classic BPF for
// this machine's architecture (Load, Default); lambdad's in-sandbox init
// installs that program before anything of the function runs
// (runtime/init). No
// libseccomp, no cgo, and no filter compiled per sandbox start: a start
// only pipes the program to the init.
//
// The compiled program checks the architecture first (a call of any other
// ABI, such as 32-bit x86 or x32 on x86-64, kills the process), then finds
// the syscall's rules by binary search over its number. A syscall's rules
// are tried in the order the profile lists them, and the first whose
// argument conditions all hold decides; conditions on the same argument
// more than once in one rule are alternatives, as runc reads them. A
// syscall without a matching rule gets the profile's default action;
// syscall names this architecture does not have are skipped.
package seccomp
