package runtimeapi

import (
	"encoding/json"
	"net/http"

	"github.com/lambdad/lambdad/lambda"
)

// handleError serves POST /runtime/invocation/{id}/error: the body, any
// body, is the function error document, passed on unchanged.
func (s *Server) handleError(w http.ResponseWriter, r *http.Request, id string) {
	s.post(w, r, id, errorResult)
}

// errorResult is the outcome of an /error post with body.
func errorResult(r *http.Request, body []byte) Result {
	return Result{Outcome: FunctionError, Body: body, ErrorType: errorType(r, body)}
}

// errorType is the error type of a posted error: the
// Lambda-Runtime-Function-Error-Type header, else errorType of the JSON body,
// else "Unhandled".
func errorType(r *http.Request, body []byte) string {
	if t := r.Header.Get(hdrErrorType); t != "" {
		return t
	}
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.ErrorType != "" {
		return doc.ErrorType
	}
	return lambda.ErrorTypeUnhandled
}
