package invokeapi

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/lambdad/lambdad/function"
)

// Event types and content types of InvokeWithResponseStream's event stream.
const (
	eventPayloadChunk   = "PayloadChunk"
	eventInvokeComplete = "InvokeComplete"
	contentTypeStream   = "application/vnd.amazon.eventstream"
)

// streamWriteTimeout bounds each write of an event to the client. The
// runtime's post writes while the invocation runs, and the invocation
// cannot end (not even at its timeout) while a write is under way: a client
// that stops reading is dropped after this long, and the function goes on
// without it, as on Lambda.
const streamWriteTimeout = 30 * time.Second

// invokeStream serves InvokeWithResponseStream, POST
// /2021-11-15/functions/{name}/response-streaming-invocations: Invoke's
// parameters, checks and errors, but a RequestResponse invoke answers 200
// with an event stream, a PayloadChunk event per piece of the response as
// the runtime posts it, then one InvokeComplete event that carries a
// function error (ErrorCode, ErrorDetails) and the log tail. An error
// before the stream began (unknown function, throttle, bad request) is a
// JSON service error, as Invoke's.
func (a *api) invokeStream(w http.ResponseWriter, r *http.Request) {
	if kind := r.Header.Get("X-Amz-Invocation-Type"); kind == invocationEvent {
		invalidParam("1 validation error detected: Value '" + kind + "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]").write(w)
		return
	}
	inv, serr := a.parse(w, r, r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	defer a.inflight.release(inv.held)
	w.Header().Set("X-Amzn-RequestId", inv.req.RequestID)
	if inv.kind == invocationDryRun {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	rs := &responseStream{w: w, rc: http.NewResponseController(w), version: cmp.Or(inv.function.Version, function.LatestVersion)}
	inv.req.Stream = rs
	res, err := a.cfg.Invoker.Invoke(r.Context(), inv.req)
	if err != nil && !rs.started {
		a.schedulerError(err, inv).write(w)
		return
	}
	var done invokeComplete
	switch {
	case err != nil: // lambdad failed after the stream began
		serr := a.schedulerError(err, inv)
		done.ErrorCode, done.ErrorDetails = serr.code, serr.message
	case res.FunctionError():
		done.ErrorCode, done.ErrorDetails = res.ErrorType, errorDetails(res.Payload)
	case !res.Streamed && len(res.Payload) > 0: // posted whole: one chunk
		rs.Write(res.Payload)
	}
	if inv.tail {
		done.LogResult = base64.StdEncoding.EncodeToString(res.Log)
	}
	rs.complete(done)
}

// invokeComplete is the payload of the InvokeComplete event.
type invokeComplete struct {
	ErrorCode    string `json:",omitempty"`
	ErrorDetails string `json:",omitempty"`
	LogResult    string `json:",omitempty"`
}

// errorDetails is ErrorDetails of a function error: the errorMessage of its
// error document, else the document itself.
func errorDetails(doc []byte) string {
	var d struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal(doc, &d) == nil && d.ErrorMessage != nil {
		return *d.ErrorMessage
	}
	return string(bytes.TrimSpace(doc))
}

// responseStream is the scheduler.Request's Stream of an
// InvokeWithResponseStream: the HTTP response, whose status and headers go
// out before the first event, each Write one PayloadChunk event. The
// runtime's post writes to it while the handler waits in Invoke; the
// handler, once Invoke has returned.
type responseStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	version string
	started bool   // the status and headers are out
	buf     []byte // the message being written
	err     error  // the first failed write: the client went away
}

func (s *responseStream) start() {
	if s.started {
		return
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", contentTypeStream)
	h.Set("X-Amz-Executed-Version", s.version)
	s.w.WriteHeader(http.StatusOK)
}

// Write sends p as one PayloadChunk event.
func (s *responseStream) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	s.start()
	s.buf = appendEvent(s.buf[:0], eventPayloadChunk, "application/octet-stream", p)
	s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) // not supported by test recorders: none
	if _, err := s.w.Write(s.buf); err != nil {
		s.err = err
		return 0, err
	}
	return len(p), nil
}

// Flush sends what was written to the client now.
func (s *responseStream) Flush() {
	if s.err == nil && s.started {
		if err := s.rc.Flush(); err != nil {
			s.err = err
		}
	}
}

// complete ends the stream with its InvokeComplete event.
func (s *responseStream) complete(done invokeComplete) {
	if s.err != nil {
		return
	}
	s.start()
	payload, _ := json.Marshal(done)
	s.buf = appendEvent(s.buf[:0], eventInvokeComplete, "application/json", payload)
	s.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := s.w.Write(s.buf); err == nil {
		s.Flush()
	}
}
