package runtimeapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lambdad/lambdad/lambda"
)

// streamSink is an invocation's Stream that says when its first bytes
// arrive.
type streamSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	flushes int
	first   chan struct{}
	once    sync.Once
}

func newStreamSink() *streamSink { return &streamSink{first: make(chan struct{})} }

func (s *streamSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.once.Do(func() { close(s.first) })
	return s.buf.Write(p)
}

func (s *streamSink) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes++
}

func (s *streamSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// streamPost starts a chunked /response post of id whose body the caller
// writes through the returned pipe; trailers, set before the pipe is
// closed, arrive after the body as on the wire.
func streamPost(s *Server, id string, header http.Header) (*io.PipeWriter, *http.Request, <-chan *httptest.ResponseRecorder) {
	pr, pw := io.Pipe()
	r := httptest.NewRequest(http.MethodPost, responsePath(id), pr)
	r.ContentLength = -1
	for k, v := range header {
		r.Header[k] = v
	}
	r.Trailer = http.Header{}
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- serve(s, r) }()
	return pw, r, done
}

var streamingMode = http.Header{hdrResponseMode: {responseModeStreaming}}

// TestStreamPieces: each piece of a streamed post reaches the Stream while
// the runtime still holds the body open; the outcome is a response whose
// body went to the Stream.
func TestStreamPieces(t *testing.T) {
	s := newTestServer(t)
	sink := newStreamSink()
	inv := testInvocation("id-s")
	inv.Stream = sink
	_, res := delivered(t, s, inv)

	pw, _, done := streamPost(s, "id-s", streamingMode)
	pw.Write([]byte("chunk 1,"))
	receive(t, sink.first) // the post is still open: the test holds its body
	if got := sink.String(); got != "chunk 1," {
		t.Fatalf("stream has %q before the post ended", got)
	}
	pw.Write([]byte("chunk 2"))
	pw.Close()
	checkResponse(t, receive(t, done), http.StatusAccepted, accepted)
	r := receive(t, res)
	if r.err != nil || r.res.Outcome != Response || len(r.res.Body) != 0 || r.res.StreamedBytes != 15 {
		t.Errorf("Invoke = %+v, %v", r.res, r.err)
	}
	if sink.String() != "chunk 1,chunk 2" || sink.flushes < 2 {
		t.Errorf("stream got %q in %d flushes", sink.String(), sink.flushes)
	}
}

// TestStreamTrailers: an error declared in trailers after some of the body
// ends the invocation as that function error; the runtime gets 202.
func TestStreamTrailers(t *testing.T) {
	s := newTestServer(t)
	sink := newStreamSink()
	inv := testInvocation("id-t")
	inv.Stream = sink
	_, res := delivered(t, s, inv)

	pw, r, done := streamPost(s, "id-t", nil) // aws-lambda-go sends no mode
	pw.Write([]byte("partial"))
	receive(t, sink.first)
	doc := `{"errorMessage":"stream broke","errorType":"errorString"}`
	r.Trailer.Set(hdrErrorType, "errorString")
	r.Trailer.Set(hdrErrorBody, base64.StdEncoding.EncodeToString([]byte(doc)))
	pw.Close()
	checkResponse(t, receive(t, done), http.StatusAccepted, accepted)
	got := receive(t, res)
	if got.res.Outcome != FunctionError || got.res.ErrorType != "errorString" || string(got.res.Body) != doc || got.res.StreamedBytes != 7 {
		t.Errorf("Invoke = %+v (%s), %v", got.res, got.res.Body, got.err)
	}
}

// TestStreamTooLarge: past the limit the stream is cut, the invocation ends
// as Function.ResponseSizeTooLarge and the runtime gets 413.
func TestStreamTooLarge(t *testing.T) {
	s := newTestServer(t)
	s.streamLimits = streamLimits{max: 100 << 10}
	sink := newStreamSink()
	inv := testInvocation("id-big")
	inv.Stream = sink
	_, res := delivered(t, s, inv)

	pw, _, done := streamPost(s, "id-big", streamingMode)
	go func() {
		pw.Write(bytes.Repeat([]byte("x"), 300<<10))
		pw.Close()
	}()
	w := receive(t, done)
	checkErrorDoc(t, w, http.StatusRequestEntityTooLarge, errorTypeRequestEntityTooLarge)
	pw.CloseWithError(errors.New("the handler is gone"))
	got := receive(t, res)
	if got.res.Outcome != ResponseTooLarge || got.res.ErrorType != lambda.ErrorTypeResponseTooLarge || got.res.StreamedBytes != 100<<10 ||
		!strings.Contains(string(got.res.Body), "Function.ResponseSizeTooLarge") {
		t.Errorf("Invoke = %+v (%s), %v", got.res, got.res.Body, got.err)
	}
	if n := len(sink.String()); n != 100<<10 {
		t.Errorf("stream got %d bytes, want the limit", n)
	}
}

// TestStreamPlainResponse: a response posted whole (Content-Length, no
// streaming mode) is the invocation's Body even if a stream was asked for.
func TestStreamPlainResponse(t *testing.T) {
	s := newTestServer(t)
	sink := newStreamSink()
	inv := testInvocation("id-p")
	inv.Stream = sink
	_, res := delivered(t, s, inv)
	checkResponse(t, post(s, responsePath("id-p"), []byte(`"whole"`)), http.StatusAccepted, accepted)
	r := receive(t, res)
	if r.res.Outcome != Response || string(r.res.Body) != `"whole"` || r.res.StreamedBytes != 0 || sink.String() != "" {
		t.Errorf("Invoke = %+v, %v; stream %q", r.res, r.err, sink.String())
	}
}

// TestStreamWithoutStream: a streaming post for an invocation that asked
// for no stream is read whole, its trailers deciding, as before.
func TestStreamWithoutStream(t *testing.T) {
	s := newTestServer(t)
	_, res := delivered(t, s, testInvocation("id-n"))
	pw, r, done := streamPost(s, "id-n", streamingMode)
	pw.Write([]byte("all of it"))
	r.Trailer.Set(hdrErrorType, "Boom")
	pw.Close()
	checkResponse(t, receive(t, done), http.StatusAccepted, accepted)
	got := receive(t, res)
	if got.res.Outcome != FunctionError || got.res.ErrorType != "Boom" || string(got.res.Body) != "all of it" {
		t.Errorf("Invoke = %+v, %v", got.res, got.err)
	}
}

// TestStreamInvalidMode: a response mode Lambda does not know fails the
// invocation and gets 400.
func TestStreamInvalidMode(t *testing.T) {
	s := newTestServer(t)
	_, res := delivered(t, s, testInvocation("id-m"))
	r := httptest.NewRequest(http.MethodPost, responsePath("id-m"), strings.NewReader("x"))
	r.Header.Set(hdrResponseMode, "buffered")
	checkResponse(t, serve(s, r), http.StatusBadRequest, string(bodyInvalidMode))
	got := receive(t, res)
	if got.res.Outcome != FunctionError || got.res.ErrorType != lambda.ErrorTypeInvalidResponseMode {
		t.Errorf("Invoke = %+v, %v", got.res, got.err)
	}
}

// TestStreamAbandoned: once Invoke has returned (its context ended mid
// stream), nothing more reaches the Stream, and the post gets 400.
func TestStreamAbandoned(t *testing.T) {
	s := newTestServer(t)
	sink := newStreamSink()
	inv := testInvocation("id-a")
	inv.Stream = sink
	ctx, cancel := context.WithCancel(context.Background())
	next := startNext(t, s)
	res := startInvoke(s, ctx, inv)
	receive(t, next)

	pw, _, done := streamPost(s, "id-a", streamingMode)
	pw.Write([]byte("before"))
	receive(t, sink.first)
	cancel()
	if r := receive(t, res); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Invoke = %+v, %v", r.res, r.err)
	}
	pw.Write([]byte("after"))
	pw.Close()
	checkResponse(t, receive(t, done), http.StatusBadRequest, invalidRequestID)
	if got := sink.String(); got != "before" {
		t.Errorf("stream got %q", got)
	}
}

// TestStreamBrokenBody: a body that breaks before a byte arrived leaves the
// invocation in flight (the runtime may post again); after some bytes it
// ends it as Runtime.TruncatedResponse.
func TestStreamBrokenBody(t *testing.T) {
	s := newTestServer(t)
	sink := newStreamSink()
	inv := testInvocation("id-b")
	inv.Stream = sink
	_, res := delivered(t, s, inv)

	pw, _, done := streamPost(s, "id-b", streamingMode)
	pw.CloseWithError(errors.New("connection reset"))
	checkErrorDoc(t, receive(t, done), http.StatusBadRequest, errorTypeInvalidRequestBody)

	pw, _, done = streamPost(s, "id-b", streamingMode)
	pw.Write([]byte("half"))
	receive(t, sink.first)
	pw.CloseWithError(errors.New("connection reset"))
	checkErrorDoc(t, receive(t, done), http.StatusBadRequest, errorTypeInvalidRequestBody)
	got := receive(t, res)
	if got.res.Outcome != FunctionError || got.res.ErrorType != lambda.ErrorTypeTruncatedResponse || got.res.StreamedBytes != 4 {
		t.Errorf("Invoke = %+v (%s), %v", got.res, got.res.Body, got.err)
	}
}
