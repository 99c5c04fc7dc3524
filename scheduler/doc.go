// Package scheduler maps invocations of functions to sandboxes.
//
// Each function has a pool of instances (a sandbox with its Runtime API
// server); an instance handles one invocation at a time. An invocation takes
// an idle warm instance of its function, or cold-starts a new one, or is
// throttled: at the function's reserved concurrency, or when the host's
// limits (--max-sandboxes, --memory-budget) are reached and evicting idle
// instances of other functions (least recently used first) does not make
// room.
//
// The function's timeout is a hard deadline: at it the instance is killed
// through its cgroup and destroyed, and the caller gets Sandbox.Timedout. A
// runtime that exits mid-invoke gives Runtime.ExitError (Runtime.OutOfMemory
// when the OOM killer fired); an init that fails or overruns its 10 s gives
// the init error. A broken instance is always destroyed, so the next
// invocation is a cold start. Instances idle longer than the idle timeout are
// destroyed by a reaper. Shutdown lets in-flight invocations finish, up to a
// bound, then destroys everything.
//
// The scheduler's logic depends on the Instance and Launcher interfaces only,
// so it is tested without root against fakes and an injected clock; the real
// Launcher (launcher.go) builds instances from rootfs, sandbox and runtimeapi,
// and keeps spares (spares.go): a prestarted sandbox per function, so that a
// cold start pays for the runtime's start and init, not the sandbox's setup.
package scheduler
