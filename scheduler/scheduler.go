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
	// instances Run keeps initialised ahead of demand.
	Provisioned []function.Config
	Logger      *slog.Logger // nil: slog.Default()
}

// Scheduler runs invocations on pools of instances, one pool per function.
type Scheduler struct {
	cfg    Config
	clock  Clock
	logger *slog.Logger

	mu       sync.Mutex
	pools    map[string]*pool
	all      map[*slot]struct{} // every instance, idle or busy
	total    int                // instances counted against MaxSandboxes
	memoryMB int                // their memory, counted against MemoryBudgetMB
	closed   bool               // no invocation may start (StopAccepting)
	killing  bool               // Shutdown killed every instance: kill new ones at once

	inflight sync.WaitGroup // invocations running
	teardown sync.WaitGroup // instances being destroyed
}

// pool is one function's instances.
type pool struct {
	idle        []*slot // most recently used last
	active      int     // busy or starting
	provisioned int     // provisioned instances alive or starting, idle or busy
}

// slot is one instance and its bookkeeping.
type slot struct {
	inst     Instance
	function string
	memoryMB int
	lastUsed time.Time
	// provisioned instances are never evicted for idleness or room.
	provisioned bool
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
	return &Scheduler{
		cfg: cfg, clock: cfg.Clock, logger: cfg.Logger,
		pools: map[string]*pool{}, all: map[*slot]struct{}{},
	}
}

// acquire takes an idle instance of fn, or reserves room for a new one.
// The returned slot has no instance when it is a cold start.
func (s *Scheduler) acquire(fn function.Config) (*slot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrShuttingDown
	}
	p := s.poolLocked(fn.Name)
	if r := fn.ReservedConcurrency; r != nil && p.active >= *r {
		return nil, fmt.Errorf("%w: function %s has reserved concurrency %d", ErrThrottled, fn.Name, *r)
	}
	for len(p.idle) > 0 {
		sl := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if dead(sl.inst) { // died while idle
			s.forgetLocked(sl)
			s.destroy(sl)
			continue
		}
		p.active++
		return sl, nil
	}
	if b := s.cfg.MemoryBudgetMB; b > 0 && fn.MemorySize > b {
		return nil, fmt.Errorf("%w: %s needs %d MB, the budget is %d MB", ErrTooLargeForBudget, fn.Name, fn.MemorySize, b)
	}
	for !s.fitsLocked(fn.MemorySize) {
		victim := s.lruIdleLocked()
		if victim == nil {
			return nil, s.throttledLocked(fn.MemorySize)
		}
		s.logger.Info("evicting idle sandbox to make room", "function", victim.function, "sandbox", victim.inst.ID(), "for", fn.Name)
		s.removeIdleLocked(victim)
		s.forgetLocked(victim)
		s.destroy(victim)
	}
	p.active++
	s.total++
	s.memoryMB += fn.MemorySize
	return &slot{function: fn.Name, memoryMB: fn.MemorySize}, nil
}

// poolLocked is the pool of the function name, made on first use.
func (s *Scheduler) poolLocked(name string) *pool {
	p := s.pools[name]
	if p == nil {
		p = &pool{}
		s.pools[name] = p
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
	p := s.pools[sl.function]
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
		s.pools[sl.function].provisioned-- // Run starts a replacement
	}
}

// release ends an invocation's hold on sl: back to the idle pool if healthy,
// else destroyed.
func (s *Scheduler) release(sl *slot, healthy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pools[sl.function]
	p.active--
	if sl.inst == nil { // the launch failed: only the reservation to return
		s.total--
		s.memoryMB -= sl.memoryMB
		return
	}
	if healthy && !s.closed {
		sl.lastUsed = s.clock.Now()
		p.idle = append(p.idle, sl)
		return
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
			s.logger.Error("destroy sandbox", "function", sl.function, "sandbox", sl.inst.ID(), "err", err)
		}
	}()
}
