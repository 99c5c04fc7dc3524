// Package scheduler maps invocations of functions to instances: the policy.
//
// Each function revision (function.Config.Key: name, version and
// revision) has a pool of instances; an instance handles one invocation at
// a time, and only ever runs the code and configuration it started with.
// An invocation takes an idle warm instance of its revision, or cold-starts
// a new one, or is throttled: at the function's reserved concurrency
// (counted across all its revisions), or when the host's limits (--max-sandboxes,
// --memory-budget, --max-pids: each instance reserves its own 1024 pids)
// are reached and evicting idle instances of other functions (least
// recently used first) does not make room.
//
// The function's timeout is a hard deadline, on the scheduler's Clock: at
// it the instance is killed and destroyed, and the caller gets
// Sandbox.Timedout. A runtime that exits mid-invoke gives Runtime.ExitError
// (Runtime.OutOfMemory when the OOM killer fired); an init that fails or
// overruns its 10 s gives the init error. A broken instance is always
// destroyed, so the next invocation is a cold start. Instances idle longer
// than the idle timeout are destroyed by a reaper. Shutdown lets in-flight
// invocations finish, up to a bound, then destroys everything. Retire
// drops the revisions that are gone (their busy instances finish first);
// SetProvisioned changes, at run time, which revisions keep instances
// initialised ahead of demand. Queue runs
// Event invocations in the background with Lambda's retries. An Observer,
// if set, hears of invocations, inits (in their phases), throttles and
// evictions, and Stats counts instances by state: package metrics turns
// them into Prometheus's metrics.
//
// The scheduler speaks its own words: an Instance takes an Event and
// answers an Outcome, ends with an Exit, fails init with an InitError; a
// Launcher starts instances. Package launcher implements them with real
// sandboxes and the Runtime API; this package imports neither, so its logic
// is tested without root against fakes and an injected clock.
package scheduler
