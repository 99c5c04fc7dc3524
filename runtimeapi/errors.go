package runtimeapi

import "errors"

// Errors returned to the scheduler.
var (
	// ErrBusy is returned by Invoke while another invocation is in flight:
	// a sandbox runs one invocation at a time.
	ErrBusy = errors.New("runtime api: an invocation is already in flight")
	// ErrClosed is returned once the server is closed.
	ErrClosed = errors.New("runtime api: server closed")
	// ErrInvalidInvocation is returned by Invoke for an invocation that
	// cannot be sent to a runtime (bad request id, no deadline).
	ErrInvalidInvocation = errors.New("runtime api: invalid invocation")
	// ErrNotDelivered: Invoke gave up before the runtime took the event, so
	// the runtime never saw it (and the caller may run it elsewhere).
	ErrNotDelivered = errors.New("runtime api: the runtime never took the event")
)

// Errors of the runtime's requests. Only the handlers turn them into HTTP
// statuses and bodies (wire.go).
var (
	errInvalidRequestID       = errors.New("invalid request id")
	errInvalidStateTransition = errors.New("invalid state transition")
	errTooLarge               = errors.New("payload too large")
)

// InitError is returned by WaitReady, and by an Invoke waiting for init, when
// the runtime posted /runtime/init/error before its first GET /next. The
// sandbox is then useless: its runtime exits.
type InitError struct {
	// ErrorType is the Lambda-Runtime-Function-Error-Type header, else the
	// body's errorType, else "Unhandled".
	ErrorType string
	// Body is the posted body, unchanged: the function error document the
	// invoke that triggered init answers with.
	Body []byte
}

func (e *InitError) Error() string { return "init error: " + e.ErrorType }
