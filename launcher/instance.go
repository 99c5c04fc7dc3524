package launcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/scheduler"
)

// instance is a real sandbox with its Runtime API server, in the
// scheduler's words.
type instance struct {
	sb      *sandbox.Sandbox
	api     *runtimeapi.Server
	log     *scheduler.Log
	started func() // once: its init is over (or it is gone)

	// With external extensions (extensions.go): the init's control socket,
	// the instance's end (the runtime's exit or an extension's crash, or
	// the init's), and whether an invocation was given up (a timeout).
	ctl      *control
	done     chan struct{}
	timedOut atomic.Bool

	obs    *observer             // the Telemetry API's events (telemetry.go)
	phases scheduler.StartPhases // its launch's (phases.go)
}

var (
	_ scheduler.Instance = (*instance)(nil)
	_ scheduler.Reporter = (*instance)(nil)
)

func newInstance(sb *sandbox.Sandbox, api *runtimeapi.Server, log *scheduler.Log, started func()) *instance {
	i := &instance{sb: sb, api: api, log: log, started: sync.OnceFunc(started)}
	if f := sb.Control(); f != nil {
		i.ctl = newControl(f)
		i.done = make(chan struct{})
		go func() {
			select {
			case <-sb.Done():
			case <-i.ctl.ended:
			}
			close(i.done)
		}()
	}
	return i
}

func (i *instance) ID() string { return i.sb.ID() }

// WaitReady waits for the end of init, then caps the CPU.
func (i *instance) WaitReady(ctx context.Context) error {
	defer i.started()
	err := i.waitReady(ctx)
	i.obs.initDone(i.api, err)
	if err != nil {
		i.sb.SettleOutput(outputSettle)
		return initError(err)
	}
	return i.sb.LimitCPU()
}

func (i *instance) waitReady(ctx context.Context) error {
	if i.ctl != nil {
		if err := i.initExtensions(ctx); err != nil {
			return err
		}
	}
	return i.api.WaitReady(ctx)
}

// Report hands the invocation's REPORT to the Telemetry API.
func (i *instance) Report(r scheduler.Report) { i.obs.report(r) }

func (i *instance) Invoke(ctx context.Context, ev scheduler.Event) (scheduler.Outcome, error) {
	i.obs.start(ev)
	r, err := i.api.Invoke(ctx, runtimeapi.Invocation{
		RequestID:       ev.RequestID,
		Payload:         ev.Payload,
		ContentType:     ev.ContentType,
		Deadline:        ev.Deadline,
		FunctionARN:     ev.FunctionARN,
		TraceID:         ev.TraceID,
		ClientContext:   ev.ClientContext,
		CognitoIdentity: ev.CognitoIdentity,
		Stream:          ev.Stream,
	})
	// What the runtime logged before it answered goes before END.
	i.sb.SettleOutput(outputSettle)
	i.obs.runtimeDone(ctx, ev.RequestID, r, err)
	if err != nil && ctx.Err() != nil {
		i.timedOut.Store(true) // given up: its extensions hear of a timeout
	}
	switch {
	case errors.Is(err, runtimeapi.ErrNotDelivered):
		return scheduler.Outcome{}, fmt.Errorf("%w: %w", scheduler.ErrNotDelivered, err)
	case err != nil:
		return scheduler.Outcome{}, initError(err)
	}
	return scheduler.Outcome{Kind: outcomeKinds[r.Outcome], Body: r.Body, ErrorType: r.ErrorType}, nil
}

// outputSettle bounds the wait for a runtime's output to be copied once it
// answered: a pipe's 64 KB take well under a millisecond.
const outputSettle = 50 * time.Millisecond

// outcomeKinds maps the Runtime API's outcomes to the scheduler's.
var outcomeKinds = map[runtimeapi.Outcome]scheduler.OutcomeKind{
	runtimeapi.Response:         scheduler.Responded,
	runtimeapi.FunctionError:    scheduler.FunctionFailed,
	runtimeapi.ResponseTooLarge: scheduler.ResponseTooLarge,
}

// initError turns the Runtime API's *InitError into the scheduler's; other
// errors pass unchanged.
func initError(err error) error {
	var ie *runtimeapi.InitError
	if errors.As(err, &ie) {
		return &scheduler.InitError{ErrorType: ie.ErrorType, Body: ie.Body}
	}
	return err
}

// Done is closed when the init exited or, with extensions, when the
// runtime exited or an extension crashed: the init then stays for the
// shutdown phase.
func (i *instance) Done() <-chan struct{} {
	if i.done != nil {
		return i.done
	}
	return i.sb.Done()
}

// Extensions tells whether extensions are registered: an invocation goes on
// until they are done with it (AwaitExtensions), and a timeout leaves the
// runtime to the shutdown phase.
func (i *instance) Extensions() bool { return i.ctl != nil || i.api.HasExtensions() }

// AwaitExtensions waits until the extensions subscribed to INVOKE are done
// with the last invocation.
func (i *instance) AwaitExtensions(ctx context.Context) error {
	err := i.api.WaitExtensions(ctx)
	if err != nil && ctx.Err() != nil {
		i.timedOut.Store(true)
	}
	return err
}

func (i *instance) PeakMemory() (uint64, error) { return i.sb.PeakMemory() }
func (i *instance) Kill() error                 { return i.sb.Kill() }

// Freeze stops the idle instance's processes; what its extensions
// subscribed to is delivered first (a frozen extension could not take it).
func (i *instance) Freeze() error {
	if i.obs.hub.Subscribed() {
		ctx, cancel := context.WithTimeout(context.Background(), freezeFlush)
		i.obs.hub.Flush(ctx)
		cancel()
	}
	return i.sb.Freeze()
}

// freezeFlush bounds the delivery of telemetry before a freeze.
const freezeFlush = time.Second

func (i *instance) Thaw() error         { return i.sb.Thaw() }
func (i *instance) Log() *scheduler.Log { return i.log }

// Exit is how the init ended, and whether the OOM killer fired in the
// sandbox; the zero Exit while the init runs.
func (i *instance) Exit() scheduler.Exit {
	select {
	case <-i.Done():
	default:
		return scheduler.Exit{}
	}
	var exit scheduler.Exit
	if ext, ok := i.ctlExit(); ok {
		exit = ext
	} else {
		st, _ := i.sb.Wait(context.Background())
		exit = scheduler.Exit{Code: st.Code, Signal: st.Signal}
	}
	if stats, err := i.sb.Stats(); err == nil {
		exit.OOMKilled = stats.OOMKilled()
	}
	return exit
}

// ctlExit is how an instance with extensions ended, as its init said: an
// extension's crash first, else the runtime's exit.
func (i *instance) ctlExit() (scheduler.Exit, bool) {
	if i.ctl == nil {
		return scheduler.Exit{}, false
	}
	c := i.ctl
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.crashed != "":
		exit := c.crashExit
		exit.Extension = c.crashed
		return exit, true
	case c.runtimeExit != nil:
		return *c.runtimeExit, true
	}
	return scheduler.Exit{}, false
}

func (i *instance) Destroy() error {
	i.started()
	if i.ctl != nil {
		i.shutdownExtensions()
	}
	defer i.obs.hub.Close()
	apiErr := i.api.Close()
	if err := i.sb.Destroy(); err != nil {
		return err
	}
	return apiErr
}
