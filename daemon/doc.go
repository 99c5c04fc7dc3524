// Package daemon is lambdad serve as a value: New assembles the service
// (host tuning, the base trees and sandbox manager, the functions, the
// launcher and its spares, the scheduler, the async queue, the Invoke API),
// Run serves it, and Shutdown stops it and destroys every sandbox. The CLI
// (cmd/lambdad) only turns flags into a Config; tests build a Daemon the
// same way, without it.
//
// The on-disk layout is the daemon's too: base trees under
// <state-dir>/rootfs, libcontainer's state under <run-dir>/containers (see
// RootfsStore and SandboxManager, which lambdad run and bundle share). A
// daemon that crashed is cleaned up after by the next New on the same
// directories. New also makes the cgroup parent with the pids budget as its
// pids.max (MaxPids), and Shutdown removes it if it made it and it is
// empty.
package daemon
