package funcurl

import (
	"net/http/httptest"
	"testing"
)

// A function's result never panics the listener, and makes a response
// with a valid status.
func FuzzParseResult(f *testing.F) {
	for _, s := range []string{`"x"`, `{"statusCode":201,"headers":{"a":"b"},"cookies":["c=d"],"body":"AA==","isBase64Encoded":true}`, `{"statusCode":null}`, `[1]`, `oops`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if r, ok := parseResult(payload); ok && (r.status < 100 || r.status > 599) {
			t.Errorf("status %d", r.status)
		}
		writeResult(httptest.NewRecorder(), payload)
	})
}

// A streamed response, cut anywhere, never panics the writer.
func FuzzStreamWriter(f *testing.F) {
	f.Add(append(prelude(`{"statusCode":200,"headers":{"a":"b"}}`), "body"...), 3)
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00"), 1)
	f.Fuzz(func(t *testing.T, stream []byte, split int) {
		s := NewStreamWriter(httptest.NewRecorder(), HTTPIntegrationContentType)
		if split < 1 {
			split = 1
		}
		for len(stream) > 0 {
			n := min(split, len(stream))
			if _, err := s.Write(stream[:n]); err != nil {
				return
			}
			stream = stream[n:]
		}
		s.Close()
	})
}
