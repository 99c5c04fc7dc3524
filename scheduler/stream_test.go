package scheduler

import (
	"bytes"
	"context"
	"testing"

	"github.com/lambdad/lambdad/lambda"
)

// flushBuffer is a caller's stream that counts its flushes.
type flushBuffer struct {
	bytes.Buffer
	flushes int
}

func (b *flushBuffer) Flush() { b.flushes++ }

// TestStream: the Event carries the Request's Stream; a result whose body
// went to it says Streamed and carries no Payload, one that failed after it
// began carries the error document, and one answered whole is as before.
func TestStream(t *testing.T) {
	for _, tc := range []struct {
		name         string
		stream       string // what the instance writes to the Stream
		outcome      Outcome
		wantStreamed bool
		wantPayload  string
		wantError    string
	}{
		{"streamed", "chunk", Outcome{Kind: Responded}, true, "", ""},
		{"whole", "", Outcome{Kind: Responded, Body: []byte(`"whole"`)}, false, `"whole"`, ""},
		{"error after bytes", "part", Outcome{Kind: FunctionFailed, ErrorType: "Boom", Body: []byte(`{"errorType":"Boom"}`)}, true, `{"errorType":"Boom"}`, "Boom"},
		{"error before bytes", "", Outcome{Kind: FunctionFailed, ErrorType: "Boom", Body: []byte(`{"errorType":"Boom"}`)}, false, `{"errorType":"Boom"}`, "Boom"},
		{"too large", "xxxx", Outcome{Kind: ResponseTooLarge, ErrorType: lambda.ErrorTypeResponseTooLarge, Body: []byte(`{}`)}, true, `{}`, lambda.ErrorTypeResponseTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, l, _ := newTest(t, Config{})
			l.prepare = func(f *fakeInstance) {
				f.invoke = func(ctx context.Context, ev Event) (Outcome, error) {
					if tc.stream != "" {
						ev.Stream.Write([]byte(tc.stream))
						ev.Stream.(interface{ Flush() }).Flush()
					}
					return tc.outcome, nil
				}
			}
			var out flushBuffer
			res, err := s.Invoke(context.Background(), Request{Function: fn("s"), RequestID: "req-s", Payload: []byte(`{}`), Stream: &out})
			if err != nil {
				t.Fatal(err)
			}
			if res.Streamed != tc.wantStreamed || res.StreamedBytes != int64(len(tc.stream)) ||
				string(res.Payload) != tc.wantPayload || res.ErrorType != tc.wantError {
				t.Errorf("got %+v (payload %s)", res, res.Payload)
			}
			if out.String() != tc.stream || (tc.stream != "" && out.flushes != 1) {
				t.Errorf("stream got %q in %d flushes", out.String(), out.flushes)
			}
		})
	}
}

// TestStreamNone: without a Request.Stream the Event has none (not a
// non-nil interface around nothing).
func TestStreamNone(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(ctx context.Context, ev Event) (Outcome, error) {
			if ev.Stream != nil {
				t.Errorf("Event.Stream = %#v without a Request.Stream", ev.Stream)
			}
			return Outcome{Kind: Responded, Body: []byte(`1`)}, nil
		}
	}
	if res := invoke(t, s, fn("n")); res.Streamed || string(res.Payload) != "1" {
		t.Errorf("got %+v", res)
	}
}

// TestStreamTimeout: a timeout after some of the response went out is a
// streamed result with the timeout's error document.
func TestStreamTimeout(t *testing.T) {
	s, l, c := newTest(t, Config{})
	wrote := make(chan struct{})
	l.prepare = func(f *fakeInstance) {
		f.invoke = func(ctx context.Context, ev Event) (Outcome, error) {
			ev.Stream.Write([]byte("part"))
			close(wrote)
			<-ctx.Done()
			return Outcome{}, ctx.Err()
		}
	}
	results := make(chan Result, 1)
	go func() {
		res, _ := s.Invoke(context.Background(), Request{Function: fn("t"), RequestID: "req-t", Payload: []byte(`{}`), Stream: &flushBuffer{}})
		results <- res
	}()
	<-wrote
	c.Advance(fn("t").TimeoutDuration())
	res := <-results
	if !res.Streamed || res.StreamedBytes != 4 || res.ErrorType != lambda.ErrorTypeTimedOut || !bytes.Contains(res.Payload, []byte("Task timed out")) {
		t.Errorf("got %+v (payload %s)", res, res.Payload)
	}
}
