package scheduler

import (
	"context"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/sandbox"
)

// Instance is one started function instance: a sandbox and its Runtime API.
type Instance interface {
	ID() string
	// WaitReady returns once the runtime asked for its first event (init
	// done), or *runtimeapi.InitError, or ctx's error.
	WaitReady(ctx context.Context) error
	// Invoke hands one event to the runtime and waits for its outcome.
	Invoke(ctx context.Context, inv runtimeapi.Invocation) (runtimeapi.Result, error)
	// Done is closed when the sandbox's init has exited.
	Done() <-chan struct{}
	// ExitStatus is how the init ended; valid after Done.
	ExitStatus() sandbox.ExitStatus
	Stats() (sandbox.Stats, error)
	// PeakMemory is Stats' PeakMemoryBytes, cheaper: it is read every invoke.
	PeakMemory() (uint64, error)
	// Freeze stops every process of an idle instance (cgroup freezer); Thaw
	// lets it run again.
	Freeze() error
	Thaw() error
	// Kill kills every process of the instance; Destroy removes everything.
	Kill() error
	Destroy() error
	// Log is where the instance's output and its log lines go.
	Log() *Log
}

// Launcher starts instances.
type Launcher interface {
	Launch(ctx context.Context, req LaunchRequest) (Instance, error)
}

// LaunchRequest says what to start.
type LaunchRequest struct {
	Function    function.Config
	Provisioned bool // pre-warmed (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency)
}
