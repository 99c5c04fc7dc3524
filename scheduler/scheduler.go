package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// Config configures a Scheduler.
type Config struct {
	Launcher       Launcher
	Clock          Clock         // nil: the real clock
	MaxSandboxes   int           // 0: no limit
	MemoryBudgetMB int           // sum of the instances' MemorySize; 0: no limit
	IdleTimeout    time.Duration // idle instances older than this are destroyed; 0: never
	InitTimeout    time.Duration // 0: lambda.InitTimeout
	// MaxPids is the host pids the instances may hold together: each
	// reserves lambda.MaxPids, its own limit, so that no instance's fork
	// bomb can take pids another's start needs. 0: no limit.
	MaxPids int
	// FreezeIdle freezes instances while they are idle (cgroup freezer), as
	// Lambda does between invokes, and thaws them for the next one.
	FreezeIdle bool
	// Provisioned are the functions with ProvisionedConcurrency > 0, whose
	// instances Run keeps initialised ahead of demand: the initial set,
	// which SetProvisioned replaces.
	Provisioned []function.Config
	Logger      *slog.Logger // nil: slog.Default()
	// Observer, if set, hears of invocations, starts, throttles and
	// evictions (metrics).
	Observer Observer
}

// Scheduler runs invocations on pools of instances, one pool per function
// revision (function.Config.Key): an instance only ever runs the code and
// configuration it was started with.
type Scheduler struct {
	cfg    Config
	clock  Clock
	logger *slog.Logger
	// wake asks Run for a provisioning round now (SetProvisioned); it holds
	// one token, so that a request while a round runs is not lost.
	wake chan struct{}

	mu    sync.Mutex
	pools map[string]*pool // mu; by function.Config.Key, made on first use
	// active counts the instances busy or starting per function name,
	// across its revisions: ReservedConcurrency limits the name. mu.
	active map[string]int
	// provisioned is the provisioned set, by key (Config.Provisioned, then
	// SetProvisioned); Retire takes keys out of it. mu.
	provisioned map[string]function.Config
	all         map[*slot]struct{} // every instance, idle or busy
	total       int                // instances counted against MaxSandboxes
	memoryMB    int                // their memory, counted against MemoryBudgetMB
	closed      bool               // no invocation may start (StopAccepting)
	killing     bool               // Shutdown killed every instance: kill new ones at once

	inflight sync.WaitGroup // invocations running
	teardown sync.WaitGroup // instances being destroyed
}

// pool is one function revision's instances. Every field is the
// Scheduler's mu's.
type pool struct {
	idle        []*slot // most recently used last
	provisioned int     // provisioned instances alive or starting, idle or busy
	// retired: Retire took the pool out of Scheduler.pools. Its instances
	// busy or starting are destroyed when they are done, never kept.
	retired bool
}

// slot is one instance and its bookkeeping.
type slot struct {
	inst     Instance
	function string // the revision's function.Config.Key
	name     string // the function's name, for logs and reserved concurrency
	pool     *pool  // the pool it belongs to, even once retired
	memoryMB int
	lastUsed time.Time
	// provisioned instances are never evicted for idleness or room. mu:
	// SetProvisioned may demote an instance that is busy.
	provisioned bool
	// initialised: an instance whose init is over (mu).
	initialised bool
	// exited ends when inst has exited; made by exitContext, used only by
	// whoever holds the slot.
	exited context.Context
}

// exitContext is a context that ends when the slot's instance exits.
func (sl *slot) exitContext() context.Context {
	if sl.exited == nil {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-sl.inst.Done(); cancel() }()
		sl.exited = ctx
	}
	return sl.exited
}

// New returns a scheduler; call Run to start its idle reaper.
func New(cfg Config) *Scheduler {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.InitTimeout == 0 {
		cfg.InitTimeout = lambda.InitTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Scheduler{
		cfg: cfg, clock: cfg.Clock, logger: cfg.Logger,
		wake:  make(chan struct{}, 1),
		pools: map[string]*pool{}, active: map[string]int{},
		provisioned: map[string]function.Config{}, all: map[*slot]struct{}{},
	}
	s.setProvisionedLocked(cfg.Provisioned)
	return s
}

// acquire takes an idle instance of fn, or reserves room for a new one.
// The returned slot has no instance when it is a cold start.
func (s *Scheduler) acquire(fn function.Config) (*slot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrShuttingDown
	}
	key := fn.Key()
	p := s.poolLocked(key)
	if r := fn.ReservedConcurrency; r != nil && s.active[fn.Name] >= *r {
		s.observeThrottled(fn.Name, ThrottleReserved)
		return nil, fmt.Errorf("%w: function %s has reserved concurrency %d", ErrThrottled, fn.Name, *r)
	}
	for len(p.idle) > 0 {
		sl := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if dead(sl.inst) { // died while idle
			s.observeEvicted(sl, EvictDead)
			s.forgetLocked(sl)
			s.destroy(sl)
			continue
		}
		s.active[fn.Name]++
		return sl, nil
	}
	if b := s.cfg.MemoryBudgetMB; b > 0 && fn.MemorySize > b {
		return nil, fmt.Errorf("%w: %s needs %d MB, the budget is %d MB", ErrTooLargeForBudget, fn.Name, fn.MemorySize, b)
	}
	for !s.fitsLocked(fn.MemorySize) {
		victim := s.lruIdleLocked()
		if victim == nil {
			s.observeThrottled(fn.Name, s.throttleReasonLocked(fn.MemorySize))
			return nil, s.throttledLocked(fn.MemorySize)
		}
		s.logger.Info("evicting idle sandbox to make room", "function", victim.name, "sandbox", victim.inst.ID(), "for", fn.Name)
		s.observeEvicted(victim, EvictLimits)
		s.removeIdleLocked(victim)
		s.forgetLocked(victim)
		s.destroy(victim)
	}
	s.active[fn.Name]++
	s.total++
	s.memoryMB += fn.MemorySize
	return &slot{function: key, name: fn.Name, pool: p, memoryMB: fn.MemorySize}, nil
}

// poolLocked is the pool of the function revision key, made on first use
// (again after Retire).
func (s *Scheduler) poolLocked(key string) *pool {
	p := s.pools[key]
	if p == nil {
		p = &pool{}
		s.pools[key] = p
	}
	return p
}

func (s *Scheduler) fitsLocked(memoryMB int) bool {
	return s.fitsCountAndMemoryLocked(memoryMB) && s.fitsPidsLocked()
}

func (s *Scheduler) fitsCountAndMemoryLocked(memoryMB int) bool {
	if m := s.cfg.MaxSandboxes; m > 0 && s.total+1 > m {
		return false
	}
	if b := s.cfg.MemoryBudgetMB; b > 0 && s.memoryMB+memoryMB > b {
		return false
	}
	return true
}

// fitsPidsLocked says whether one more instance's pids fit in MaxPids.
func (s *Scheduler) fitsPidsLocked() bool {
	m := s.cfg.MaxPids
	return m <= 0 || (s.total+1)*lambda.MaxPids <= m
}

// throttledLocked is the error of a start that no limit has room for; it
// names the pids budget when that alone is full.
func (s *Scheduler) throttledLocked(memoryMB int) error {
	if s.fitsCountAndMemoryLocked(memoryMB) {
		return fmt.Errorf("%w: %d sandboxes hold %d of its %d pids (%d each)",
			ErrPidsBudget, s.total, s.total*lambda.MaxPids, s.cfg.MaxPids, lambda.MaxPids)
	}
	return fmt.Errorf("%w: %d sandboxes, %d MB in use", ErrThrottled, s.total, s.memoryMB)
}

// lruIdleLocked is the idle instance used least recently, of any function,
// that may be evicted (not provisioned).
func (s *Scheduler) lruIdleLocked() *slot {
	var lru *slot
	for _, p := range s.pools {
		for _, sl := range p.idle {
			if !sl.provisioned && (lru == nil || sl.lastUsed.Before(lru.lastUsed)) {
				lru = sl
			}
		}
	}
	return lru
}

func (s *Scheduler) removeIdleLocked(sl *slot) {
	p := sl.pool
	for i, x := range p.idle {
		if x == sl {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return
		}
	}
}

// forgetLocked stops counting sl against the limits.
func (s *Scheduler) forgetLocked(sl *slot) {
	delete(s.all, sl)
	s.total--
	s.memoryMB -= sl.memoryMB
	if sl.provisioned {
		sl.pool.provisioned-- // Run starts a replacement, unless retired
	}
}

// release ends an invocation's hold on sl: back to the idle pool if healthy
// and its revision not retired, else destroyed.
func (s *Scheduler) release(sl *slot, healthy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := sl.pool
	s.active[sl.name]--
	if s.active[sl.name] == 0 {
		delete(s.active, sl.name)
	}
	if sl.inst == nil { // the launch failed: only the reservation to return
		s.total--
		s.memoryMB -= sl.memoryMB
		return
	}
	if healthy && !s.closed && !p.retired {
		sl.lastUsed = s.clock.Now()
		p.idle = append(p.idle, sl)
		return
	}
	if healthy && !s.closed {
		s.observeEvicted(sl, EvictRetired)
	}
	s.forgetLocked(sl)
	s.destroy(sl)
}

// destroy tears an instance down in the background.
func (s *Scheduler) destroy(sl *slot) {
	s.teardown.Add(1)
	go func() {
		defer s.teardown.Done()
		if err := sl.inst.Destroy(); err != nil {
			s.logger.Error("destroy sandbox", "function", sl.name, "revision", sl.function, "sandbox", sl.inst.ID(), "err", err)
		}
	}()
}
