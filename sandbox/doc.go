// Package sandbox runs one function instance as a libcontainer container.
//
// A Sandbox is created from a [CreateRequest] by a [Manager], started once,
// and destroyed once. Create describes it as an OCI runtime spec (spec.go),
// which libcontainer's specconv turns into its config as runc does; the same
// spec written out with a copy of the root is a bundle `runc run` starts
// ([WriteBundle]). A sandbox may be prestarted ahead of demand: set
// up and entered, its init holding the command until Start releases it, so
// that Start only lets it go. Inside it the function sees (the layout and
// limits are package lambda's):
//
//   - its own pid, mount, ipc, uts, net and, where the kernel has it, cgroup
//     namespaces; with CreateRequest.RuntimeAPIAddr lambdad makes the
//     network namespace itself (netns.go) and keeps a listener in it for
//     the Runtime API. The network has loopback only, unless
//     CreateRequest.Network attaches an interface (package network) or
//     HostNetwork shares the host's (hostnet.go);
//   - a read-only root (a base tree from package rootfs, with its binds), the
//     code read-only at /var/task, the runtime directory (holding the
//     in-sandbox init) read-only at /var/lambdad, layers read-only at /opt,
//     a tmpfs /tmp sized to the ephemeral storage, and minimal /proc and
//     /dev masked like runc's defaults;
//   - Lambda's limits: memory = MemorySize with no swap, a CPU quota
//     proportional to memory (1769 MB = one vCPU), at most 1024 pids and 1024
//     open files;
//   - a non-root uid with no capabilities and no_new_privs: lambda.UID
//     inside, in a user namespace of its own (userns.go), so that on the
//     host each sandbox is a uid of its own (Config.FirstUID's range) and
//     the kernel's per-user limits are per sandbox.
//
// Kill goes through the cgroup, never through a polite signal: cgroup.kill
// where the kernel has it (cgroup v2, and the unified hierarchy of a hybrid
// host), else freeze, SIGKILL every pid, thaw (cgroup v1). Destroy removes
// every trace: processes, cgroup directories in every hierarchy, the
// libcontainer state directory, the network namespace.
//
// libcontainer starts each sandbox by re-executing the current binary, and
// seals a copy of it first unless the binary already runs sealed (package
// host seals a daemon once at its start).
//
// This is the only package that imports libcontainer. The re-exec hook that
// libcontainer needs ("lambdad init") lives in reexec.go, so that every binary
// that links this package, test binaries included, can start sandboxes.
package sandbox
