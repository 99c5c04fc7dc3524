package invokeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/lambdad/lambdad/catalog"
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

// catalogError is the answer to a control-plane request the catalog
// refused, with Lambda's status for each of its exceptions.
func catalogError(err *catalog.Error) *serviceError {
	status := http.StatusBadRequest
	switch err.Code {
	case catalog.NotFound, catalog.ProvisionedNotFound:
		status = http.StatusNotFound
	case catalog.Conflict:
		status = http.StatusConflict
	case catalog.PreconditionFailed:
		status = http.StatusPreconditionFailed
	case catalog.TooLarge:
		status = http.StatusRequestEntityTooLarge
	case catalog.Service:
		status = http.StatusInternalServerError
	}
	return &serviceError{status: status, code: err.Code, message: err.Message}
}

// controlError is the answer to a control-plane request that failed with
// err (a *catalog.Error, or lambdad's own failure).
func controlError(err error) *serviceError {
	var cerr *catalog.Error
	if errors.As(err, &cerr) {
		return catalogError(cerr)
	}
	return &serviceError{status: http.StatusInternalServerError, code: codeService, message: err.Error()}
}
