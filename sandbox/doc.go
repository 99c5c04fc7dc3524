// Package sandbox runs one function instance as a libcontainer container.
//
// A Sandbox is created from a [CreateRequest] by a [Manager], started once,
// and destroyed once. It may be prestarted ahead of demand: set up and
// entered, its init held before the command runs, so that Start only lets it
// go. Inside it the function sees:
//
//   - its own pid, mount, ipc, uts, net (loopback only) and, where the kernel
//     has it, cgroup namespaces; with CreateRequest.RuntimeAPIAddr lambdad
//     makes the network namespace itself (netns.go) and keeps a listener in
//     it for the Runtime API;
//   - a read-only root (the base tree from package rootfs), the code read-only
//     at /var/task, the runtime directory (holding the in-sandbox init)
//     read-only at /var/runtime, layers read-only at /opt, the socket
//     directory at /run/lambda, a tmpfs /tmp sized to the ephemeral storage,
//     and minimal /proc and /dev masked like runc's defaults;
//   - Lambda's limits: memory = MemorySize with no swap, a CPU quota
//     proportional to memory (1769 MB = one vCPU), at most 1024 pids and 1024
//     open files;
//   - a non-root uid with no capabilities and no_new_privs.
//
// Kill goes through the cgroup, never through a polite signal: cgroup.kill
// where the kernel has it (cgroup v2, and the unified hierarchy of a hybrid
// host), else freeze, SIGKILL every pid, thaw (cgroup v1). Destroy removes
// every trace: processes, cgroup directories in every hierarchy, the
// libcontainer state directory and the socket directory.
//
// libcontainer starts each sandbox by re-executing the current binary, and
// seals a copy of it first unless the binary already runs sealed: a daemon
// calls RunSealed once at start instead.
//
// This is the only package that imports libcontainer. The re-exec hook that
// libcontainer needs ("lambdad init") lives in reexec.go, so that every binary
// that links this package, test binaries included, can start sandboxes.
package sandbox
