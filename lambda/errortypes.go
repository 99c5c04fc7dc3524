package lambda

import "time"

// Function error types, as Lambda names them in errorType and in REPORT's
// Error Type: the closed set lambdad reports itself. A runtime's own error
// types (from /error posts) pass through unchanged.
const (
	ErrorTypeExit             = "Runtime.ExitError"
	ErrorTypeOutOfMemory      = "Runtime.OutOfMemory"
	ErrorTypeTimedOut         = "Sandbox.Timedout"
	ErrorTypeInvalidEntry     = "Runtime.InvalidEntrypoint"
	ErrorTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
	ErrorTypeUnhandled        = "Unhandled" // a function error that names no type
	// An external extension exited before its SHUTDOWN, or could not be
	// started.
	ErrorTypeExtensionCrash  = "Extension.Crash"
	ErrorTypeExtensionLaunch = "Extension.LaunchError"
	// A streamed response whose body broke off after some of it went out.
	ErrorTypeTruncatedResponse = "Runtime.TruncatedResponse"
	// A /response post whose Lambda-Runtime-Function-Response-Mode is not
	// "streaming".
	ErrorTypeInvalidResponseMode = "Runtime.InvalidResponseModeHeader"
)

// Extension lifecycle limits, as Lambda's.
const (
	// ShutdownTimeout is how long the runtime and the extensions have to
	// stop, from the SHUTDOWN event, when external extensions are registered.
	ShutdownTimeout = 2 * time.Second
)
