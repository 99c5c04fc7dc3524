package funcurl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// HTTPIntegrationContentType is the content type of a streamed response
// that starts with an HTTP prelude: a JSON object {statusCode, headers,
// cookies}, then 8 NUL bytes, then the body (awslambda.HttpResponseStream
// in the Node.js runtime, aws-lambda-go's
// events.LambdaFunctionURLStreamingResponse).
const HTTPIntegrationContentType = "application/vnd.awslambda.http-integration-response"

// maxPrelude bounds the prelude held before its end is seen.
const maxPrelude = 1 << 20

// preludeEnd ends the prelude.
var preludeEnd = make([]byte, 8)

// ErrBadPrelude: a streamed response's prelude is not one.
var ErrBadPrelude = errors.New("the streamed response's HTTP prelude is malformed")

// StreamWriter writes a RESPONSE_STREAM function's response, as the
// runtime streams it, to an http.ResponseWriter, flushing each write: of
// content type HTTPIntegrationContentType, the prelude's status, headers
// and cookies, then the body; of any other, a 200 of that content type
// with the bytes as its body.
type StreamWriter struct {
	w           http.ResponseWriter
	rc          *http.ResponseController
	contentType string
	integration bool
	prelude     []byte // held until its end
	started     bool   // the status is written
	err         error
}

// NewStreamWriter returns a StreamWriter of a response of contentType
// (the runtime's; "": application/octet-stream).
func NewStreamWriter(w http.ResponseWriter, contentType string) *StreamWriter {
	mt, _, _ := strings.Cut(contentType, ";")
	return &StreamWriter{w: w, rc: http.NewResponseController(w), contentType: contentType,
		integration: strings.EqualFold(strings.TrimSpace(mt), HTTPIntegrationContentType)}
}

// Write writes p, or holds it while the prelude is not over.
func (s *StreamWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if !s.started && s.integration {
		s.prelude = append(s.prelude, p...)
		i := bytes.Index(s.prelude, preludeEnd)
		if i < 0 {
			if len(s.prelude) > maxPrelude {
				s.err = fmt.Errorf("%w: no end within %d bytes", ErrBadPrelude, maxPrelude)
				return 0, s.err
			}
			return len(p), nil
		}
		rest := s.prelude[i+len(preludeEnd):]
		if s.err = s.writePrelude(s.prelude[:i]); s.err != nil {
			return 0, s.err
		}
		s.prelude = nil
		if err := s.body(rest); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if !s.started {
		h := s.w.Header()
		h.Set("Content-Type", s.contentType)
		if s.contentType == "" {
			h.Set("Content-Type", "application/octet-stream")
		}
		s.w.WriteHeader(http.StatusOK)
		s.started = true
	}
	if err := s.body(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// body writes and flushes body bytes.
func (s *StreamWriter) body(p []byte) error {
	if len(p) > 0 {
		if _, err := s.w.Write(p); err != nil {
			s.err = err
			return err
		}
	}
	s.rc.Flush() // not every ResponseWriter flushes; then it is sent at the end
	return nil
}

// writePrelude writes the status and headers a prelude gives.
func (s *StreamWriter) writePrelude(data []byte) error {
	var p struct {
		StatusCode int
		Headers    map[string]string
		Cookies    []string
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("%w: %v", ErrBadPrelude, err)
	}
	if p.StatusCode == 0 {
		p.StatusCode = http.StatusOK
	}
	if p.StatusCode < 100 || p.StatusCode > 599 {
		return fmt.Errorf("%w: statusCode %d", ErrBadPrelude, p.StatusCode)
	}
	h := s.w.Header()
	for _, k := range sortedKeys(p.Headers) {
		switch strings.ToLower(k) {
		case "content-length", "transfer-encoding", "connection":
			continue
		}
		h.Set(k, p.Headers[k])
	}
	for _, c := range p.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	s.w.WriteHeader(p.StatusCode)
	s.started = true
	return nil
}

// SetContentType sets the response's content type (the runtime's), if no
// byte was written yet.
func (s *StreamWriter) SetContentType(contentType string) {
	if s.started || len(s.prelude) > 0 {
		return
	}
	mt, _, _ := strings.Cut(contentType, ";")
	s.contentType = contentType
	s.integration = strings.EqualFold(strings.TrimSpace(mt), HTTPIntegrationContentType)
}

// Started tells whether the response's status was written: if not when
// the invocation ends (a function error before its first byte, a stream
// that ended within its prelude), the caller still answers.
func (s *StreamWriter) Started() bool { return s.started }

// Close ends the response: a prelude never ended is an error (nothing
// was written then).
func (s *StreamWriter) Close() error {
	if s.err != nil {
		return s.err
	}
	if !s.started && len(s.prelude) > 0 {
		return fmt.Errorf("%w: the stream ended within it", ErrBadPrelude)
	}
	return nil
}
