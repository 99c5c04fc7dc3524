// Command init is PID 1 inside every lambdad sandbox.
//
// The daemon starts each sandbox with this binary, bound at /var/runtime/init:
//
//	/var/runtime/init [--listen 127.0.0.1:9001] [--socket /run/lambda/runtime.sock] [--hold FIFO] -- CMD [ARGS...]
//
// It does the few things a process must do when it is the first and only
// supervisor of a pid namespace:
//
//   - It relays the Runtime API. The function reads AWS_LAMBDA_RUNTIME_API
//     (127.0.0.1:9001) and speaks HTTP to it, but the daemon serves that API
//     on a unix socket bound into the sandbox, which has its own empty network
//     namespace. Init listens on --listen (loopback of the sandbox) and copies
//     every connection byte for byte to a fresh connection to --socket. It
//     listens before it starts CMD, so the function can connect at once. An
//     empty --listen turns the relay off.
//   - With --hold, it waits until the daemon opens FIFO for writing before it
//     starts CMD: the daemon prestarts sandboxes ahead of demand this way.
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
// Exit codes of init itself: 2 for a usage error, 125 if the relay cannot
// listen, 126 if CMD was found but cannot be executed, 127 if CMD was not
// found. Init writes to stderr only in those cases; on the normal path the
// standard streams belong to the function.
//
// The runtime/ tree holds what runs inside sandboxes. It is built as a static
// binary (CGO_ENABLED=0) and imports nothing of the daemon, only the standard
// library.
package main
