package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// provisionEvery is how often Run tops up provisioned instances when nothing
// asked it to sooner.
const provisionEvery = time.Second

// provision starts instances of every function revision in the provisioned
// set until each has its ProvisionedConcurrency alive (idle or busy).
// Provisioned instances are initialised ahead of demand, never evicted for
// idleness or room, and replaced when they die or are destroyed after a
// failure.
func (s *Scheduler) provision(ctx context.Context) {
	for _, fn := range s.provisionedSet() {
		for s.needsProvisioned(fn.Key()) {
			if err := s.prewarm(ctx, fn); err != nil {
				if !errors.Is(err, ErrShuttingDown) {
					s.logger.Error("provisioned sandbox did not start", "function", fn.Name, "revision", fn.Key(), "err", err)
				}
				break // try again at the next round
			}
		}
	}
}

// provisionedSet is a copy of the provisioned set, in key order.
func (s *Scheduler) provisionedSet() []function.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	fns := make([]function.Config, 0, len(s.provisioned))
	for _, fn := range s.provisioned {
		fns = append(fns, fn)
	}
	slices.SortFunc(fns, func(a, b function.Config) int { return strings.Compare(a.Key(), b.Key()) })
	return fns
}

// needsProvisioned tells whether the revision key is in the provisioned set
// with fewer provisioned instances than it wants, and room for one more.
func (s *Scheduler) needsProvisioned(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn, ok := s.provisioned[key]
	return ok && !s.closed && s.poolLocked(key).provisioned < fn.ProvisionedConcurrency && s.fitsLocked(fn.MemorySize)
}

// SetProvisioned replaces the provisioned set (Config.Provisioned is the
// first): the function revisions, by function.Config.Key, whose
// ProvisionedConcurrency instances Run keeps initialised ahead of demand.
// Configs with no ProvisionedConcurrency are left out; of two with one Key,
// the last counts. Run starts the instances newly wanted at once, without
// waiting for its next round. It is safe at any time, before Run too.
//
// A revision that left the set, or whose ProvisionedConcurrency fell, keeps
// its extra instances, demoted to ordinary ones, rather than losing them:
// each is initialised with code and configuration still current (a revision
// that is gone is Retire's to destroy), so it may still spare an invoke a
// cold start, and as an ordinary instance it gives its room back on demand,
// evicted for another start when idle and reaped after the idle timeout.
// (Its runtime keeps AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency,
// which is how it was initialised.)
func (s *Scheduler) SetProvisioned(fns []function.Config) {
	s.mu.Lock()
	s.setProvisionedLocked(fns)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a round is asked for already
	}
}

// setProvisionedLocked replaces the provisioned set and demotes the
// provisioned instances it no longer wants.
func (s *Scheduler) setProvisionedLocked(fns []function.Config) {
	set := make(map[string]function.Config, len(fns))
	for _, fn := range fns {
		if fn.ProvisionedConcurrency > 0 {
			set[fn.Key()] = fn
		} else {
			delete(set, fn.Key())
		}
	}
	s.provisioned = set
	for sl := range s.all {
		if sl.provisioned && !sl.pool.retired && sl.pool.provisioned > s.wantedLocked(sl.function) {
			s.demoteLocked(sl)
		}
	}
	// Those still launching, not yet in s.all, are demoted by prewarm once
	// they are up.
}

// wantedLocked is how many provisioned instances the revision key wants.
func (s *Scheduler) wantedLocked(key string) int {
	return s.provisioned[key].ProvisionedConcurrency
}

// demoteLocked makes the provisioned sl an ordinary instance: evictable,
// reaped when idle too long, and not replaced by Run.
func (s *Scheduler) demoteLocked(sl *slot) {
	sl.provisioned = false
	sl.pool.provisioned--
}

// prewarm starts one provisioned instance of fn and leaves it idle.
func (s *Scheduler) prewarm(ctx context.Context, fn function.Config) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrShuttingDown
	}
	s.inflight.Add(1) // Shutdown waits for it, then for its teardown
	defer s.inflight.Done()
	key := fn.Key()
	p := s.poolLocked(key)
	p.provisioned++
	s.total++
	s.memoryMB += fn.MemorySize
	s.mu.Unlock()
	sl := &slot{function: key, name: fn.Name, pool: p, memoryMB: fn.MemorySize, provisioned: true}

	inst, err := s.cfg.Launcher.Launch(ctx, LaunchRequest{Function: fn, Provisioned: true})
	if err == nil {
		s.mu.Lock()
		sl.inst = inst
		s.registerLocked(sl) // Shutdown kills it if its init outlasts the timeout
		s.mu.Unlock()
		launched := s.clock.Now()
		var failed *initFailure
		if failed, err = s.awaitInit(inst); failed != nil {
			err = failed
		}
		s.observeInitialised(fn.Name, phasesOf(inst, s.clock.Now().Sub(launched)))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.closed {
		err = ErrShuttingDown
	}
	if err == nil && p.retired { // Retire came while it started
		s.observeEvicted(sl, EvictRetired)
		s.forgetLocked(sl)
		s.destroy(sl)
		return nil
	}
	if err == nil && s.cfg.FreezeIdle {
		if err = inst.Freeze(); err != nil {
			err = fmt.Errorf("freeze provisioned sandbox %s: %w", inst.ID(), err)
		}
	}
	if err != nil {
		if inst == nil { // the launch failed: only the reservation to return
			p.provisioned--
			s.total--
			s.memoryMB -= fn.MemorySize
		} else {
			s.forgetLocked(sl)
			s.destroy(sl)
		}
		return err
	}
	if sl.provisioned && p.provisioned > s.wantedLocked(key) { // SetProvisioned lowered it meanwhile
		s.demoteLocked(sl)
	}
	sl.lastUsed = s.clock.Now()
	sl.initialised = true
	p.idle = append(p.idle, sl)
	return nil
}

// ProvisionedReady is how many provisioned instances of the function
// revision key are initialised (idle, or busy with an invocation), as
// Lambda's provisioned-concurrency status reports its allocated ones.
func (s *Scheduler) ProvisionedReady(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for sl := range s.all {
		if sl.function == key && sl.provisioned && sl.initialised {
			n++
		}
	}
	return n
}

// initFailure is an init that failed in the function's sandbox: the
// runtime's /init/error (body), or lambdad's reading of an exit or timeout.
type initFailure struct {
	errorType string
	message   string // when body is nil
	body      []byte
}

func (f *initFailure) Error() string {
	if f.body != nil {
		return fmt.Sprintf("init error %s: %s", f.errorType, f.body)
	}
	return f.errorType + ": " + f.message
}

// awaitInit waits for inst's init, within the init limit: nil, nil once the
// runtime asked for its first event; an initFailure when init failed in the
// sandbox (the instance is then of no use); an error when lambdad failed.
func (s *Scheduler) awaitInit(inst Instance) (*initFailure, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- inst.WaitReady(ctx) }()
	select {
	case err := <-ready:
		var ie *InitError
		if errors.As(err, &ie) {
			return &initFailure{errorType: ie.ErrorType, body: ie.Body}, nil
		}
		return nil, err
	case <-inst.Done():
		exit := inst.Exit()
		if exit.Signal == 0 && exit.Code == exitNotFound {
			return &initFailure{errorType: lambda.ErrorTypeInvalidEntry,
				message: "Couldn't find valid bootstrap(s): [" + strings.Join(lambda.BootstrapPaths, " ") + "]"}, nil
		}
		if exit.Extension != "" {
			return &initFailure{errorType: lambda.ErrorTypeExtensionCrash, message: exitMessage(exit)}, nil
		}
		return &initFailure{errorType: lambda.ErrorTypeExit, message: exitMessage(exit)}, nil
	case <-s.clock.After(s.cfg.InitTimeout):
		inst.Kill()
		return &initFailure{errorType: lambda.ErrorTypeTimedOut,
			message: fmt.Sprintf("Init timed out after %.2f seconds", s.cfg.InitTimeout.Seconds())}, nil
	}
}
