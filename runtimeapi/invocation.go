package runtimeapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Invocation is one event for the runtime.
type Invocation struct {
	RequestID       string    // UUID; letters, digits, '-', '_' and '.' only
	Payload         []byte    // the event, sent unchanged
	ContentType     string    // default "application/json"
	Deadline        time.Time // sent as Lambda-Runtime-Deadline-Ms (epoch ms); required
	FunctionARN     string    // Lambda-Runtime-Invoked-Function-Arn, only if non-empty
	TraceID         string    // Lambda-Runtime-Trace-Id, only if non-empty
	ClientContext   string    // JSON, only if a valid JSON object
	CognitoIdentity string    // JSON, only if a valid JSON object
	// Stream, if set, asks for the response streamed (stream.go): the body of
	// the runtime's /response post is written to it as it arrives, flushed
	// after each piece if it has a Flush method, and never once Invoke has
	// returned.
	Stream io.Writer
}

// Headers of GET /next, in canonical form so that they are set without
// canonicalising on every request.
const (
	hdrRequestID       = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline        = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID         = "Lambda-Runtime-Trace-Id"
	hdrClientContext   = "Lambda-Runtime-Client-Context"
	hdrCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	hdrContentType     = "Content-Type"
	hdrContentLength   = "Content-Length"
)

const maxRequestIDLen = 128

// validRequestID reports whether id can be sent to a runtime: it goes into a
// header and comes back as a path segment, so only characters that need no
// escaping in either are allowed.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return id != "." && id != ".."
}

// header builds the headers of GET /next for inv: done once per invocation,
// by Invoke, so that the handler only copies them.
func (inv *Invocation) header() (http.Header, error) {
	if !validRequestID(inv.RequestID) {
		return nil, fmt.Errorf("request id %q: %w", inv.RequestID, ErrInvalidInvocation)
	}
	if inv.Deadline.IsZero() {
		return nil, fmt.Errorf("invocation %s has no deadline: %w", inv.RequestID, ErrInvalidInvocation)
	}
	ct := inv.ContentType
	if ct == "" || !validHeaderValue(ct) {
		ct = "application/json"
	}
	h := make(http.Header, 8)
	h[hdrRequestID] = []string{inv.RequestID}
	h[hdrDeadline] = []string{strconv.FormatInt(inv.Deadline.UnixMilli(), 10)}
	h[hdrContentType] = []string{ct}
	h[hdrContentLength] = []string{strconv.Itoa(len(inv.Payload))}
	if inv.FunctionARN != "" && validHeaderValue(inv.FunctionARN) {
		h[hdrFunctionARN] = []string{inv.FunctionARN}
	}
	if inv.TraceID != "" && validHeaderValue(inv.TraceID) {
		h[hdrTraceID] = []string{inv.TraceID}
	}
	if validJSONObject(inv.ClientContext) {
		h[hdrClientContext] = []string{inv.ClientContext}
	}
	if validJSONObject(inv.CognitoIdentity) {
		h[hdrCognitoIdentity] = []string{inv.CognitoIdentity}
	}
	return h, nil
}

// validHeaderValue reports whether v can be sent as a header value as is: no
// control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validJSONObject reports whether v is a JSON object that fits on one header
// line. Runtime clients decode the context headers into structs: anything
// else (empty, an array, a string, broken JSON) fails the invoke in
// aws-lambda-go, so it is not sent.
func validJSONObject(v string) bool {
	if v == "" || !validHeaderValue(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t':
			continue
		case '{':
			return json.Valid([]byte(v))
		}
		return false
	}
	return false
}
