// Package host is the one place where lambdad changes the host it runs on,
// and why. Each change makes sandbox starts cheaper; the daemon applies
// them at its start (package daemon, cmd/lambdad's serve), each behind its
// own switch, and the measurements behind them are in docs/architecture.md.
//
//   - RunSealed: the daemon re-executes itself once from a sealed in-memory
//     copy of its binary. libcontainer starts every sandbox by re-executing
//     that binary, and a sandbox must never be able to overwrite the host's
//     copy of it (CVE-2019-5736); unless the binary is sealed already,
//     libcontainer seals a fresh copy for every start (~1.7 ms of each cold
//     start). Sealing once costs the binary's size in memory, once.
//   - RunDirOnTmpfs: the run directory (libcontainer's state, one directory
//     per sandbox) is kept on a tmpfs that lambdad mounts if it is on
//     anything else, and unmounts at exit. On ext4 the churn of sandbox
//     state slowed later cold starts as sandboxes accumulated (~8 ms at 100).
//   - FavorDynmods: the host's cgroup2 hierarchy is remounted with the
//     favordynmods option (Linux 6.0+), so that moving a new sandbox's init
//     into its cgroups waits for no RCU grace period (10-20 ms a start on
//     the development VM). It costs a little in every fork and exit on the
//     host, and it outlives lambdad: the kernel keeps the option.
//
// Nothing here is needed for correctness: each change can be turned off,
// and lambdad is only slower without it.
package host
