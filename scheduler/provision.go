package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// provisionEvery is how often Run tops up provisioned instances when nothing
// asked it to sooner.
const provisionEvery = time.Second

// provision starts instances of every function with ProvisionedConcurrency
// until each has that many alive (idle or busy). Provisioned instances are
// initialised ahead of demand, never evicted for idleness or room, and
// replaced when they die or are destroyed after a failure.
func (s *Scheduler) provision(ctx context.Context) {
	for _, fn := range s.cfg.Provisioned {
		for s.needsProvisioned(fn) {
			if err := s.prewarm(ctx, fn); err != nil {
				if !errors.Is(err, ErrShuttingDown) {
					s.logger.Error("provisioned sandbox did not start", "function", fn.Name, "err", err)
				}
				break // try again at the next round
			}
		}
	}
}

// needsProvisioned tells whether fn has fewer provisioned instances than it
// wants, and room for one more.
func (s *Scheduler) needsProvisioned(fn function.Config) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed && s.poolLocked(fn.Name).provisioned < fn.ProvisionedConcurrency && s.fitsLocked(fn.MemorySize)
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
	p := s.poolLocked(fn.Name)
	p.provisioned++
	s.total++
	s.memoryMB += fn.MemorySize
	s.mu.Unlock()
	sl := &slot{function: fn.Name, memoryMB: fn.MemorySize, provisioned: true}

	inst, err := s.cfg.Launcher.Launch(ctx, LaunchRequest{Function: fn, Provisioned: true})
	if err == nil {
		s.mu.Lock()
		sl.inst = inst
		s.registerLocked(sl) // Shutdown kills it if its init outlasts the timeout
		s.mu.Unlock()
		var failed *initFailure
		if failed, err = s.awaitInit(inst); failed != nil {
			err = failed
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || s.closed {
		p.provisioned--
		s.total--
		s.memoryMB -= fn.MemorySize
		if inst != nil {
			delete(s.all, sl)
			s.destroy(sl)
		}
		if err == nil {
			err = ErrShuttingDown
		}
		return err
	}
	if s.cfg.FreezeIdle {
		if ferr := inst.Freeze(); ferr != nil {
			p.provisioned--
			s.total--
			s.memoryMB -= fn.MemorySize
			delete(s.all, sl)
			s.destroy(sl)
			return ferr
		}
	}
	sl.lastUsed = s.clock.Now()
	p.idle = append(p.idle, sl)
	return nil
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
		return &initFailure{errorType: lambda.ErrorTypeExit, message: exitMessage(exit)}, nil
	case <-s.clock.After(s.cfg.InitTimeout):
		inst.Kill()
		return &initFailure{errorType: lambda.ErrorTypeTimedOut,
			message: fmt.Sprintf("Init timed out after %.2f seconds", s.cfg.InitTimeout.Seconds())}, nil
	}
}
