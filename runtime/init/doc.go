// Command init is PID 1 inside every lambdad sandbox.
//
// The daemon starts each sandbox with this binary, bound at /var/lambdad/init:
//
//	/var/lambdad/init [--hold] [--seccomp-fd N] [--nofile N] [--control-fd N [--extensions DIR] [--extension-output-fd N]] -- CMD [ARGS...]
//
// It does the few things a process must do when it is the first and only
// supervisor of a pid namespace:
//
//   - It makes itself not dumpable, so that the function, which runs as the
//     same uid, can neither ptrace it nor read its /proc files.
//   - With --seccomp-fd, it reads a seccomp filter (classic BPF, struct
//     sock_filter[]) from that fd, closes it and installs the filter on
//     all its threads before anything else; the command inherits it.
//   - With --nofile, it sets its soft and hard limit of open files to N,
//     which CMD inherits (the daemon cannot: see limit.go).
//   - With --hold, it waits before it starts CMD until the daemon writes a
//     byte to the pipe on its fd 3: the daemon prestarts sandboxes ahead of
//     demand this way (spares). The end of that pipe without a byte (the
//     daemon is gone, or destroys the sandbox) makes it exit with 125
//     without starting CMD. The pipe is closed before CMD starts.
//   - With --control-fd, it first starts Lambda's external extensions, the
//     files of --extensions (/opt/extensions), and starts CMD only when the
//     daemon says so on that socket, once they registered; it then stays
//     until the runtime and every extension exited (extensions.go).
//   - It starts CMD with its own environment, standard streams and working
//     directory, looking CMD up in PATH unless it contains a slash.
//   - It reaps every process re-parented to it, as the kernel expects of
//     PID 1 (and of a child subreaper, which init also makes itself, so that
//     reaping works when it is not PID 1, as in tests).
//   - It forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
//     SIGWINCH and SIGCONT to CMD.
//   - It exits as soon as CMD does, with CMD's exit code, or 128+n if CMD
//     was killed by signal n. The kernel then kills whatever else is left in
//     the pid namespace.
//
// The function's runtime reaches the Runtime API at 127.0.0.1:9001 on its
// own: the daemon listens there itself, inside the sandbox's network
// namespace. Init has no part in it.
//
// Exit codes of init itself: 2 for a usage error, 125 if the hold, the
// limit or the filter failed, 126 if CMD was found but cannot be executed, 127 if CMD was
// not found.
// Init writes to stderr only in those cases; on the normal path the
// standard streams belong to the function.
//
// The runtime/ tree holds what runs inside sandboxes. It is built as a static
// binary (CGO_ENABLED=0) and imports nothing of the daemon, only the standard
// library.
package main
