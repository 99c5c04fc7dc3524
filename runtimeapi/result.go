package runtimeapi

import (
	"strconv"

	"github.com/lambdad/lambdad/lambda"
)

// Outcome is how an invocation ended.
type Outcome int

const (
	// Response: the runtime posted /response; Body is the result.
	Response Outcome = iota
	// FunctionError: the runtime posted /error (or a /response whose
	// trailers declare an error); Body is the error document.
	FunctionError
	// ResponseTooLarge: the runtime posted a body over maxPayload bytes; Body is
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
	// StreamedBytes is how much of the /response body went to the
	// Invocation's Stream (and is not in Body); 0 if none did.
	StreamedBytes int64
}

// maxPayload is the largest response or error body a runtime may post.
const maxPayload = lambda.MaxResponse

// maxPayloadString is maxPayload in the messages that quote it.
var maxPayloadString = strconv.Itoa(maxPayload)

// tooLargeResult is the outcome of a posted body of size bytes (as many as
// are known) over maxPayload.
func tooLargeResult(size int64) Result {
	b := make([]byte, 0, 160)
	b = append(b, `{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size (`...)
	b = strconv.AppendInt(b, size, 10)
	b = append(b, ` bytes) exceeded maximum allowed payload size (`...)
	b = append(b, maxPayloadString...)
	b = append(b, ` bytes)."}`...)
	return Result{Outcome: ResponseTooLarge, Body: b, ErrorType: lambda.ErrorTypeResponseTooLarge}
}
