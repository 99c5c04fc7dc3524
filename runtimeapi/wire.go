package runtimeapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Error names the Runtime API answers with: a closed set.
const (
	errorTypeInvalidRequestID       = "InvalidRequestID"
	errorTypeInvalidStateTransition = "InvalidStateTransition"
	errorTypeRequestEntityTooLarge  = "RequestEntityTooLarge"
	errorTypeInvalidRequestBody     = "InvalidRequestBody"
	errorTypeNotFound               = "NotFound"
	errorTypeMethodNotAllowed       = "MethodNotAllowed"
	errorTypeServiceUnavailable     = "ServiceUnavailable"
)

// Fixed bodies, and header values shared by every response (net/http only
// reads them).
var (
	bodyAccepted         = []byte(`{"status":"OK"}`)
	bodyInvalidRequestID = []byte(`{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
	bodyTooLarge         = []byte(`{"errorMessage":"Exceeded maximum allowed payload size (` + maxPayloadString + ` bytes).","errorType":"RequestEntityTooLarge"}`)

	valueJSON           = []string{"application/json"}
	valueAcceptedLength = []string{strconv.Itoa(len(bodyAccepted))}
)

// errorBody is the JSON error document of the Runtime API.
type errorBody struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h[hdrContentType] = valueJSON
	h[hdrContentLength] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// writeAccepted answers a post that was taken: 202 {"status":"OK"}.
func writeAccepted(w http.ResponseWriter) {
	h := w.Header()
	h[hdrContentType] = valueJSON
	h[hdrContentLength] = valueAcceptedLength
	w.WriteHeader(http.StatusAccepted)
	w.Write(bodyAccepted)
}

// writeError answers with the status and error document of err, one of the
// package's errors: the only place they become HTTP.
func writeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errInvalidRequestID):
		writeJSON(w, http.StatusBadRequest, bodyInvalidRequestID)
	case errors.Is(err, errInvalidStateTransition):
		writeErrorBody(w, http.StatusForbidden, errorTypeInvalidStateTransition, err.Error())
	case errors.Is(err, errTooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, bodyTooLarge)
	case errors.Is(err, ErrClosed):
		writeErrorBody(w, http.StatusServiceUnavailable, errorTypeServiceUnavailable, "Runtime API server is closed")
	default:
		writeErrorBody(w, http.StatusBadRequest, errorTypeInvalidRequestBody, "Could not read request body: "+err.Error())
	}
}

func writeErrorBody(w http.ResponseWriter, status int, errorType, message string) {
	b, _ := json.Marshal(errorBody{ErrorMessage: message, ErrorType: errorType})
	writeJSON(w, status, b)
}

func writeNotFound(w http.ResponseWriter, r *http.Request) {
	writeErrorBody(w, http.StatusNotFound, errorTypeNotFound, "Unknown Runtime API path: "+r.URL.Path)
}

func writeMethodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header()["Allow"] = []string{allow}
	writeErrorBody(w, http.StatusMethodNotAllowed, errorTypeMethodNotAllowed, "Method "+r.Method+" not allowed on "+r.URL.Path)
}
