package invokeapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Service error codes, sent in X-Amzn-ErrorType.
const (
	codeNotFound        = "ResourceNotFoundException"
	codeInvalidParam    = "InvalidParameterValueException"
	codeInvalidContent  = "InvalidRequestContentException"
	codeTooLarge        = "RequestTooLargeException" // the AWS SDKs' type for Invoke's 413
	codeTooManyRequests = "TooManyRequestsException"
	codeService         = "ServiceException"
	codeUnknownOp       = "UnknownOperationException"

	// A request's signature failed (--auth-keys): all 403.
	codeMissingToken        = "MissingAuthenticationTokenException"
	codeIncompleteSignature = "IncompleteSignatureException"
	codeUnrecognizedClient  = "UnrecognizedClientException"
	codeInvalidSignature    = "InvalidSignatureException"
)

// serviceError is an error of the service itself (the function did not run).
type serviceError struct {
	status  int
	code    string
	message string
	reason  string // TooManyRequestsException only
}

func (e *serviceError) Error() string { return e.code + ": " + e.message }

func (e *serviceError) write(w http.ResponseWriter) {
	body := map[string]string{"Type": "User", "message": e.message}
	switch e.status {
	case http.StatusNotFound:
		body = map[string]string{"Type": "User", "Message": e.message}
	case http.StatusInternalServerError, http.StatusServiceUnavailable:
		body["Type"] = "Service"
	}
	if e.reason != "" {
		body["Reason"] = e.reason
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(body)
}

func tooLarge(limit int) *serviceError {
	return &serviceError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
		message: fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit)}
}

func invalidParam(msg string) *serviceError {
	return &serviceError{status: http.StatusBadRequest, code: codeInvalidParam, message: msg}
}
