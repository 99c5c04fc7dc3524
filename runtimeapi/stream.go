package runtimeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lambdad/lambdad/lambda"
)

// Response streaming. An invocation with a Stream (InvokeWithResponseStream)
// gets the body of the runtime's /response post copied to it as the bytes
// arrive, as Lambda does for a streaming invoke whatever the runtime
// declares: aws-lambda-go posts a handler's io.Reader chunked, with error
// trailers but without Lambda-Runtime-Function-Response-Mode. Only a body
// that is all there at once (a Content-Length within the buffered limit, and
// no streaming mode) is read whole, as before. An invocation without a
// Stream reads even a streaming post whole, within the buffered limit, its
// trailers deciding the outcome: Lambda's RequestResponse invoke of a
// streaming function.

// The response mode header of /response posts, and its one value.
const (
	hdrResponseMode       = "Lambda-Runtime-Function-Response-Mode"
	responseModeStreaming = "streaming"
)

// streamChunk is the most one read of a streamed body takes, and so the
// largest piece written to the Stream at once.
const streamChunk = 32 << 10

// streamLimits are Lambda's limits of a streamed response.
type streamLimits struct {
	max   int64 // bytes; beyond, the stream is cut and the invocation fails
	burst int64 // bytes sent at full speed
	rate  int64 // bytes per second after the burst; 0: no cap
}

var defaultStreamLimits = streamLimits{max: lambda.MaxStreamedResponse, burst: lambda.StreamBurst, rate: lambda.StreamRate}

var (
	errStreamClosed    = errors.New("the invocation's stream is closed")
	bodyInvalidMode    = []byte(`{"errorMessage":"Invalid function response mode","errorType":"InvalidFunctionResponseMode"}`)
	maxStreamedString  = strconv.Itoa(lambda.MaxStreamedResponse)
	bodyStreamTooLarge = []byte(`{"errorMessage":"Exceeded maximum allowed payload size (` + maxStreamedString + ` bytes).","errorType":"RequestEntityTooLarge"}`)
	streamTooLarge     = Result{Outcome: ResponseTooLarge, ErrorType: lambda.ErrorTypeResponseTooLarge,
		Body: []byte(`{"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (` + maxStreamedString + ` bytes)."}`)}
)

// streamWriter is an invocation's Stream while its Invoke waits. The
// runtime's post writes to it; Invoke closes it before it returns (waiting
// for a write under way), so nothing reaches the caller's writer once Invoke
// has returned, even if the post goes on.
type streamWriter struct {
	mu     sync.Mutex
	w      io.Writer
	flush  func() // w's Flush, if it has one
	closed bool   // guarded by mu
}

func newStreamWriter(w io.Writer) *streamWriter {
	sw := &streamWriter{w: w}
	if f, ok := w.(interface{ Flush() }); ok {
		sw.flush = f.Flush
	}
	return sw
}

// write writes p to the Stream and flushes it.
func (sw *streamWriter) write(p []byte) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.closed {
		return errStreamClosed
	}
	_, err := sw.w.Write(p)
	if err == nil && sw.flush != nil {
		sw.flush()
	}
	return err
}

// setContentType tells a Stream that wants it (a function URL's) the
// content type of the runtime's streamed response, before its first byte.
func (sw *streamWriter) setContentType(ct string) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if s, ok := sw.w.(interface{ SetContentType(string) }); ok && !sw.closed {
		s.SetContentType(ct)
	}
}

func (sw *streamWriter) close() {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.closed = true
}

// streamResponse serves a /response post that streams, and reports whether
// it did; false leaves the post to the buffered path.
func (s *Server) streamResponse(w http.ResponseWriter, r *http.Request, id string) bool {
	mode := r.Header.Get(hdrResponseMode)
	if mode != "" && mode != responseModeStreaming {
		s.refuseMode(w, id, mode)
		return true
	}
	plain := mode == "" && r.ContentLength >= 0 && r.ContentLength <= maxPayload
	if plain || !s.streaming(id) {
		return false
	}
	c, err := s.beginPost(id)
	if err != nil {
		writeError(w, err)
		return true
	}
	if c.stream == nil { // cannot happen: the id names the call streaming saw
		s.cancelPost(c)
		return false
	}
	c.stream.setContentType(r.Header.Get(hdrContentType))
	res, err := s.copyStream(c.stream, r, c.inv.RequestID)
	if err != nil { // nothing streamed yet: the runtime may post again
		s.cancelPost(c)
		writeError(w, err)
		return true
	}
	if err := s.endPost(c, res); err != nil {
		writeError(w, err)
		return true
	}
	switch res.ErrorType {
	case lambda.ErrorTypeResponseTooLarge:
		writeJSON(w, http.StatusRequestEntityTooLarge, bodyStreamTooLarge)
	case lambda.ErrorTypeTruncatedResponse:
		writeErrorBody(w, http.StatusBadRequest, errorTypeInvalidRequestBody, "Could not read request body: the response broke off")
	default:
		writeAccepted(w)
	}
	return true
}

// streaming tells whether the invocation in flight is id and has a Stream.
func (s *Server) streaming(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.call
	return c != nil && c.delivered && c.inv.RequestID == id && c.stream != nil
}

// refuseMode ends the invocation id, whose runtime posted a response mode
// Lambda does not know, as Lambda does: a Runtime.InvalidResponseModeHeader
// function error, and 400 to the runtime.
func (s *Server) refuseMode(w http.ResponseWriter, id, mode string) {
	c, err := s.beginPost(id)
	if err != nil {
		writeError(w, err)
		return
	}
	res := Result{Outcome: FunctionError, ErrorType: lambda.ErrorTypeInvalidResponseMode,
		Body: errorDoc(lambda.ErrorTypeInvalidResponseMode, fmt.Sprintf("RequestId: %s Error: invalid %s: %q", id, hdrResponseMode, mode))}
	if err := s.endPost(c, res); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusBadRequest, bodyInvalidMode)
}

// copyStream copies r's body to sw as it arrives, within the limits, and
// returns the invocation's outcome. An error means the body broke before a
// byte of it arrived: nothing was streamed.
func (s *Server) copyStream(sw *streamWriter, r *http.Request, id string) (Result, error) {
	lim := s.streamLimits
	buf := make([]byte, streamChunk)
	var n int64
	lost := false // the Stream failed: the rest of the body is read and dropped
	start := time.Now()
	for {
		m, err := r.Body.Read(buf)
		over := n+int64(m) > lim.max
		if over {
			m = int(lim.max - n)
		}
		if m > 0 && !lost {
			// A caller that went away does not stop the function, as on
			// Lambda: its body is read to the end regardless.
			lost = sw.write(buf[:m]) != nil
		}
		n += int64(m)
		if over {
			return withStreamed(streamTooLarge, n), nil
		}
		switch {
		case err == io.EOF:
			return withStreamed(streamedResult(r), n), nil
		case err != nil && n == 0:
			return Result{}, err
		case err != nil:
			msg := fmt.Sprintf("RequestId: %s Error: the response broke off after %d bytes: %v", id, n, err)
			return withStreamed(Result{Outcome: FunctionError, ErrorType: lambda.ErrorTypeTruncatedResponse,
				Body: errorDoc(lambda.ErrorTypeTruncatedResponse, msg)}, n), nil
		}
		throttle(lim, n, start)
	}
}

// throttle holds a stream that has sent n bytes since start to its rate
// once past the burst: a token bucket of lim.burst bytes refilled at
// lim.rate. It sleeps for at most one chunk's worth of time.
func throttle(lim streamLimits, n int64, start time.Time) {
	if lim.rate <= 0 || n <= lim.burst {
		return
	}
	due := start.Add(time.Duration(float64(n-lim.burst) / float64(lim.rate) * float64(time.Second)))
	if wait := time.Until(due); wait > 0 {
		time.Sleep(wait)
	}
}

// streamedResult is the outcome of a streamed body that ended: a response,
// or the function error its trailers declare.
func streamedResult(r *http.Request) Result {
	res := responseResult(r, nil)
	if res.Outcome == FunctionError && len(res.Body) == 0 {
		res.Body = errorDoc(res.ErrorType, "")
	}
	return res
}

func withStreamed(res Result, n int64) Result {
	res.StreamedBytes = n
	return res
}

// errorDoc is a Lambda error document.
func errorDoc(errorType, message string) []byte {
	b, _ := json.Marshal(errorBody{ErrorMessage: message, ErrorType: errorType})
	return b
}
