package launcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
}

var _ scheduler.Instance = (*instance)(nil)

func newInstance(sb *sandbox.Sandbox, api *runtimeapi.Server, log *scheduler.Log, started func()) *instance {
	return &instance{sb: sb, api: api, log: log, started: sync.OnceFunc(started)}
}

func (i *instance) ID() string { return i.sb.ID() }

// WaitReady waits for the end of init, then caps the CPU.
func (i *instance) WaitReady(ctx context.Context) error {
	defer i.started()
	if err := i.api.WaitReady(ctx); err != nil {
		i.sb.SettleOutput(outputSettle)
		return initError(err)
	}
	return i.sb.LimitCPU()
}

func (i *instance) Invoke(ctx context.Context, ev scheduler.Event) (scheduler.Outcome, error) {
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

func (i *instance) Done() <-chan struct{}       { return i.sb.Done() }
func (i *instance) PeakMemory() (uint64, error) { return i.sb.PeakMemory() }
func (i *instance) Kill() error                 { return i.sb.Kill() }
func (i *instance) Freeze() error               { return i.sb.Freeze() }
func (i *instance) Thaw() error                 { return i.sb.Thaw() }
func (i *instance) Log() *scheduler.Log         { return i.log }

// Exit is how the init ended, and whether the OOM killer fired in the
// sandbox; the zero Exit while the init runs.
func (i *instance) Exit() scheduler.Exit {
	select {
	case <-i.sb.Done():
	default:
		return scheduler.Exit{}
	}
	st, _ := i.sb.Wait(context.Background())
	exit := scheduler.Exit{Code: st.Code, Signal: st.Signal}
	if stats, err := i.sb.Stats(); err == nil {
		exit.OOMKilled = stats.OOMKilled()
	}
	return exit
}

func (i *instance) Destroy() error {
	i.started()
	apiErr := i.api.Close()
	if err := i.sb.Destroy(); err != nil {
		return err
	}
	return apiErr
}
