package lambda

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
	// A streamed response whose body broke off after some of it went out.
	ErrorTypeTruncatedResponse = "Runtime.TruncatedResponse"
	// A /response post whose Lambda-Runtime-Function-Response-Mode is not
	// "streaming".
	ErrorTypeInvalidResponseMode = "Runtime.InvalidResponseModeHeader"
)
