package invokeapi

import (
	"encoding/json"
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

func invalidParam(msg string) *serviceError {
	return &serviceError{status: http.StatusBadRequest, code: codeInvalidParam, message: msg}
}
