package runtimeapi

import "strconv"

// Outcome is how an invocation ended.
type Outcome int

const (
	// Response: the runtime posted /response; Body is the result.
	Response Outcome = iota
	// FunctionError: the runtime posted /error (or a /response whose
	// trailers declare an error); Body is the error document.
	FunctionError
	// ResponseTooLarge: the runtime posted a body over 6291556 bytes; Body is
	// the Function.ResponseSizeTooLarge error document.
	ResponseTooLarge
)

func (o Outcome) String() string {
	switch o {
	case Response:
		return "Response"
	case FunctionError:
		return "FunctionError"
	case ResponseTooLarge:
		return "ResponseTooLarge"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result is the outcome of one invocation.
type Result struct {
	Outcome Outcome
	// Body is the response or error body as posted; for ResponseTooLarge,
	// the Function.ResponseSizeTooLarge JSON error document.
	Body []byte
	// ErrorType, for FunctionError: the Lambda-Runtime-Function-Error-Type
	// header, else errorType from the JSON body if any, else "Unhandled".
	// For ResponseTooLarge: "Function.ResponseSizeTooLarge".
	ErrorType string
}

// maxPayload is the largest response or error body a runtime may post:
// 6 MiB + 100 bytes, as in Lambda.
const maxPayload = 6<<20 + 100

// Client-visible error names (LAMBDA.md).
const (
	errorTypeUnhandled        = "Unhandled"
	errorTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
)

// tooLargeResult is the outcome of a posted body of size bytes (as many as
// are known) over maxPayload.
func tooLargeResult(size int64) Result {
	b := make([]byte, 0, 160)
	b = append(b, `{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size (`...)
	b = strconv.AppendInt(b, size, 10)
	b = append(b, ` bytes) exceeded maximum allowed payload size (6291556 bytes)."}`...)
	return Result{Outcome: ResponseTooLarge, Body: b, ErrorType: errorTypeResponseTooLarge}
}
