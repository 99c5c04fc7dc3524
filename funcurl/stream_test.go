package funcurl

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// prelude is what awslambda.HttpResponseStream.from (and aws-lambda-go's
// LambdaFunctionURLStreamingResponse) write before the body.
func prelude(json string) []byte { return append([]byte(json), make([]byte, 8)...) }

// A streamed HTTP integration response, written in any split: the
// prelude's status, headers and cookies, then the body as it comes.
func TestStreamWriterIntegration(t *testing.T) {
	stream := append(prelude(`{"statusCode":201,"headers":{"Content-Type":"text/plain","X-A":"b"},"cookies":["a=1","b=2"]}`), "hello, \x00world"...)
	for split := 1; split <= len(stream); split++ {
		w := httptest.NewRecorder()
		s := NewStreamWriter(w, HTTPIntegrationContentType)
		for rest := stream; len(rest) > 0; {
			n := min(split, len(rest))
			if k, err := s.Write(rest[:n]); err != nil || k != n {
				t.Fatalf("split %d: Write = %d, %v", split, k, err)
			}
			rest = rest[n:]
		}
		if err := s.Close(); err != nil || !s.Started() {
			t.Fatalf("split %d: Close: %v, started %v", split, err, s.Started())
		}
		want := http.Header{"Content-Type": {"text/plain"}, "X-A": {"b"}, "Set-Cookie": {"a=1", "b=2"}}
		if w.Code != 201 || !reflect.DeepEqual(w.Header(), want) || w.Body.String() != "hello, \x00world" || !w.Flushed {
			t.Fatalf("split %d: %d %v %q flushed %v", split, w.Code, w.Header(), w.Body, w.Flushed)
		}
	}
}

// A stream of another content type is a 200 of that type.
func TestStreamWriterPlain(t *testing.T) {
	w := httptest.NewRecorder()
	s := NewStreamWriter(w, "text/event-stream")
	s.Write([]byte("data: 1\n\n"))
	s.Write([]byte("data: 2\n\n"))
	if err := s.Close(); err != nil || w.Code != 200 || w.Header().Get("Content-Type") != "text/event-stream" || w.Body.String() != "data: 1\n\ndata: 2\n\n" {
		t.Errorf("%v: %d %v %q", err, w.Code, w.Header(), w.Body)
	}
}

func TestStreamWriterBadPrelude(t *testing.T) {
	for name, stream := range map[string][]byte{
		"not json":   prelude(`{oops`),
		"bad status": prelude(`{"statusCode":1000}`),
		"no end":     []byte(`{"statusCode":200}` + "\x00\x00\x00"),
		"too long":   bytes.Repeat([]byte(" "), maxPrelude+1),
	} {
		w := httptest.NewRecorder()
		s := NewStreamWriter(w, HTTPIntegrationContentType+"; charset=utf-8")
		_, werr := s.Write(stream)
		if err := errors.Join(werr, s.Close()); !errors.Is(err, ErrBadPrelude) || s.Started() || w.Body.Len() > 0 {
			t.Errorf("%s: %v, started %v", name, err, s.Started())
		}
	}
	// A prelude without a status is a 200.
	w := httptest.NewRecorder()
	s := NewStreamWriter(w, HTTPIntegrationContentType)
	s.Write(append(prelude(`{}`), "x"...))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/octet-stream" || w.Body.String() != "x" {
		t.Errorf("empty prelude: %d %v %q", w.Code, w.Header(), w.Body)
	}
}
