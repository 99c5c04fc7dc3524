package scheduler

import "time"

// Observer hears what the scheduler does, for metrics (package metrics
// counts it in Prometheus's terms; this package names none). Its
// methods are called on invocations' goroutines, some with the scheduler's
// lock held: they must be quick and must not call the scheduler back. A
// nil Config.Observer costs a nil check.
type Observer interface {
	// Invoked: an invocation is over. err is the scheduler's when the
	// function did not run (a throttle, a failed launch); start says how
	// it got its instance (meaningless with err).
	Invoked(req Request, start StartKind, res Result, err error)
	// Initialised: an instance's init is over (or failed), a cold
	// start's or a provisioned instance's, in its phases.
	Initialised(function string, phases StartPhases)
	// Throttled: an invocation found no room.
	Throttled(function string, reason ThrottleReason)
	// Evicted: an instance was destroyed while no invocation held it.
	Evicted(function string, reason EvictReason)
}

// StartKind is how an invocation got its instance.
type StartKind string

const (
	StartCold        StartKind = "cold"        // a sandbox made on demand
	StartSpare       StartKind = "spare"       // a prestarted sandbox: its runtime still initialised on demand
	StartWarm        StartKind = "warm"        // an idle instance
	StartProvisioned StartKind = "provisioned" // an idle provisioned instance, initialised ahead of demand
)

// ThrottleReason is the limit an invocation found full.
type ThrottleReason string

const (
	ThrottleReserved  ThrottleReason = "reserved_concurrency" // the function's ReservedConcurrency
	ThrottleSandboxes ThrottleReason = "sandboxes"            // Config.MaxSandboxes
	ThrottleMemory    ThrottleReason = "memory"               // Config.MemoryBudgetMB
	ThrottlePids      ThrottleReason = "pids"                 // Config.MaxPids
	ThrottleQueueFull ThrottleReason = "queue_full"           // the async Queue (ErrQueueFull); its caller tells
)

// EvictReason is why an instance no invocation held was destroyed.
type EvictReason string

const (
	EvictIdle    EvictReason = "idle"    // idle longer than Config.IdleTimeout
	EvictDead    EvictReason = "dead"    // its runtime exited while idle
	EvictLimits  EvictReason = "limits"  // to make room for another start
	EvictRetired EvictReason = "retired" // its revision was retired (Retire)
)

// StartPhases is where a start's time went: the launcher's part (an
// Instance that is a Phased tells it) and the runtime's init.
type StartPhases struct {
	// Spare: the sandbox was prestarted, its Create paid ahead of demand
	// (Create is then 0).
	Spare bool
	// Create is setting the sandbox up (its root, code, cgroup,
	// namespaces); Start is starting its runtime's process; Init is the
	// runtime's init, until its first GET /next (or its failure).
	Create, Start, Init time.Duration
}

// Phased is an Instance that tells how its launch went.
type Phased interface {
	Phases() StartPhases
}

// phasesOf is inst's launch phases, with init's.
func phasesOf(inst Instance, init time.Duration) StartPhases {
	var p StartPhases
	if ph, ok := inst.(Phased); ok {
		p = ph.Phases()
	}
	p.Init = init
	return p
}

// The Observer's calls, each a nil check when there is none.

func (s *Scheduler) observeInvoked(req Request, start StartKind, res Result, err error) {
	if o := s.cfg.Observer; o != nil {
		o.Invoked(req, start, res, err)
	}
}

func (s *Scheduler) observeInitialised(function string, phases StartPhases) {
	if o := s.cfg.Observer; o != nil {
		o.Initialised(function, phases)
	}
}

func (s *Scheduler) observeThrottled(function string, reason ThrottleReason) {
	if o := s.cfg.Observer; o != nil {
		o.Throttled(function, reason)
	}
}

func (s *Scheduler) observeEvicted(sl *slot, reason EvictReason) {
	if o := s.cfg.Observer; o != nil {
		o.Evicted(sl.name, reason)
	}
}

// throttleReasonLocked is the limit a start of memoryMB found full: the
// first of MaxSandboxes, MemoryBudgetMB and MaxPids without room.
func (s *Scheduler) throttleReasonLocked(memoryMB int) ThrottleReason {
	if m := s.cfg.MaxSandboxes; m > 0 && s.total+1 > m {
		return ThrottleSandboxes
	}
	if b := s.cfg.MemoryBudgetMB; b > 0 && s.memoryMB+memoryMB > b {
		return ThrottleMemory
	}
	return ThrottlePids
}

// startKind is how an invocation got sl's instance, cold says whether it
// launched it.
func (s *Scheduler) startKind(sl *slot, cold bool) StartKind {
	if cold {
		if ph, ok := sl.inst.(Phased); ok && ph.Phases().Spare {
			return StartSpare
		}
		return StartCold
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl.provisioned {
		return StartProvisioned
	}
	return StartWarm
}
