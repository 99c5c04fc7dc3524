package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/lambdad/lambdad/function"
)

// Instance is one started function instance, as the scheduler drives it.
// The launcher (package launcher) implements it with a sandbox and its
// Runtime API server; the scheduler knows neither, only these words of its
// own.
type Instance interface {
	ID() string
	// WaitReady returns once the runtime asked for its first event (init
	// done), or an *InitError, or ctx's error.
	WaitReady(ctx context.Context) error
	// Invoke hands one event to the runtime and waits for its outcome, or
	// for ctx to end. An error wrapping ErrNotDelivered means the runtime
	// never took the event.
	Invoke(ctx context.Context, ev Event) (Outcome, error)
	// Done is closed when the instance's init has exited (with
	// extensions: its runtime, or an extension before its shutdown).
	Done() <-chan struct{}
	// Exit is how the init ended; valid after Done.
	Exit() Exit
	// PeakMemory is the most memory the instance has used, in bytes: it is
	// read after every invoke (REPORT's Max Memory Used).
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
	// Extensions tells whether Lambda extensions are registered in the
	// instance: an invocation then lasts until AwaitExtensions returns
	// (its response goes to the caller before), and a timeout leaves the
	// instance to Destroy's shutdown phase rather than Kill.
	Extensions() bool
	// AwaitExtensions waits until the extensions are done with the last
	// invocation, or ctx ends.
	AwaitExtensions(ctx context.Context) error
}

// Launcher starts instances.
type Launcher interface {
	// Launch starts an instance of req.Function; ctx bounds the wait for
	// it, not the instance's life.
	Launch(ctx context.Context, req LaunchRequest) (Instance, error)
}

// LaunchRequest says what to start.
type LaunchRequest struct {
	Function    function.Config
	Provisioned bool // pre-warmed (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency)
}

// Event is one invocation as an instance's runtime receives it.
type Event struct {
	RequestID       string
	Payload         []byte
	ContentType     string
	Deadline        time.Time // when the function times out
	FunctionARN     string
	TraceID         string
	ClientContext   string // JSON
	CognitoIdentity string // JSON
	// Stream, if set, gets the response's body as the runtime posts it
	// (Request.Stream, counted); never written once Invoke has returned.
	Stream io.Writer
}

// OutcomeKind is how the runtime ended an invocation.
type OutcomeKind int

const (
	Responded        OutcomeKind = iota // it posted a response
	FunctionFailed                      // it posted a function error
	ResponseTooLarge                    // it posted a response over Lambda's limit
)

// Outcome is what the runtime posted for one invocation.
type Outcome struct {
	Kind OutcomeKind
	// Body is the response or error document as posted; for
	// ResponseTooLarge, the Function.ResponseSizeTooLarge error document.
	Body []byte
	// ErrorType names the function error (FunctionFailed: the runtime's
	// own, or "Unhandled"; ResponseTooLarge: Function.ResponseSizeTooLarge).
	ErrorType string
}

// InitError is the runtime's own report that its init failed (its
// /init/error post): the instance is then of no use.
type InitError struct {
	ErrorType string
	Body      []byte // the posted error document, unchanged
}

func (e *InitError) Error() string { return "init error: " + e.ErrorType }

// ErrNotDelivered: an Invoke ended before the runtime took the event, so
// the runtime never saw it (and it may run elsewhere).
var ErrNotDelivered = errors.New("the runtime never took the event")

// Exit is how an instance's init ended.
type Exit struct {
	Code      int            // exit code, if it exited
	Signal    syscall.Signal // the signal that killed it, or 0
	OOMKilled bool           // the OOM killer fired in the instance
	Extension string         // the extension whose exit (Code, Signal) ended the instance, if one did
}

// String reads like Go's os.ProcessState, which is what Lambda's error
// messages quote: "exit status 3", "signal: killed".
func (e Exit) String() string {
	if name := e.Extension; name != "" {
		e.Extension = ""
		return "extension " + name + " exited: " + e.String()
	}
	if e.Signal != 0 {
		return "signal: " + e.Signal.String()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// clean tells whether the init exited 0 on its own.
func (e Exit) clean() bool { return e.Code == 0 && e.Signal == 0 }
