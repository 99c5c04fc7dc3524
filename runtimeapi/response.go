package runtimeapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
)

// Headers and trailers of posts. A runtime that fails while it streams a
// response body (aws-lambda-go's io.Reader responses, Node's streaming
// responses) declares the error in trailers of the /response post.
const (
	hdrErrorType = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody = "Lambda-Runtime-Function-Error-Body" // base64 of the error document
)

// handleResponse serves POST /runtime/invocation/{id}/response.
func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request, id string) {
	if s.streamResponse(w, r, id) { // stream.go
		return
	}
	s.post(w, r, id, responseResult)
}

// responseResult is the outcome of a /response post with body.
func responseResult(r *http.Request, body []byte) Result {
	typ := r.Trailer.Get(hdrErrorType)
	if typ == "" {
		return Result{Outcome: Response, Body: body}
	}
	if b, err := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody)); err == nil && len(b) > 0 {
		body = b
	}
	return Result{Outcome: FunctionError, Body: body, ErrorType: typ}
}

// post ends the invocation id with the outcome of the posted body, for
// /response and /error alike: 202, or 400 for an id not in flight, 403 for a
// second post, 413 for a body over maxPayload (the invocation then ends as
// ResponseTooLarge).
func (s *Server) post(w http.ResponseWriter, r *http.Request, id string, result func(*http.Request, []byte) Result) {
	c, err := s.beginPost(id)
	if err != nil {
		writeError(w, err)
		return
	}
	body, n, err := readBody(r)
	var res Result
	switch {
	case err == nil:
		res = result(r, body)
	case errors.Is(err, errTooLarge):
		res = tooLargeResult(n)
	default: // broken body or connection: the runtime may post again
		s.cancelPost(c)
		writeError(w, err)
		return
	}
	if err := s.endPost(c, res); err != nil {
		writeError(w, err)
		return
	}
	if res.Outcome == ResponseTooLarge {
		writeError(w, errTooLarge)
		return
	}
	writeAccepted(w)
}

// beginPost claims the invocation id for a post: the first post wins.
func (s *Server) beginPost(id string) (*call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.call
	switch {
	case s.state == StateClosed:
		return nil, ErrClosed
	case id == "":
		return nil, errInvalidRequestID
	case c != nil && c.delivered && c.inv.RequestID == id:
		if c.posting {
			return nil, fmt.Errorf("%w: an outcome for request ID %s is being posted", errInvalidStateTransition, id)
		}
		c.posting = true
		return c, nil
	case id == s.finished:
		return nil, fmt.Errorf("%w: an outcome for request ID %s was already posted", errInvalidStateTransition, id)
	}
	return nil, errInvalidRequestID
}

// cancelPost gives up the claim of beginPost, whose body could not be read.
func (s *Server) cancelPost(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.posting = false
}

// endPost ends the invocation of c with res: Invoke returns it.
func (s *Server) endPost(c *call, res Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.state == StateClosed:
		return ErrClosed
	case s.call != c: // abandoned while the body was read
		return errInvalidRequestID
	}
	s.transition(evOutcome)
	s.call = nil
	s.finished = c.inv.RequestID
	c.finish(res, nil)
	return nil
}
