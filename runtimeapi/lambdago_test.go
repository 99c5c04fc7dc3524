package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

const lambdaGoHelperEnv = "RUNTIMEAPI_TEST_LAMBDA_GO"

// lambdaGoEvent tells the test function what to do.
type lambdaGoEvent struct {
	Mode string `json:"mode"`
	Name string `json:"name"`
	Size int    `json:"size"`
}

// lambdaGoContext is what the function saw of its invocation.
type lambdaGoContext struct {
	RequestID  string            `json:"requestId"`
	ARN        string            `json:"arn"`
	DeadlineMs int64             `json:"deadlineMs"`
	Custom     map[string]string `json:"custom"`
	IdentityID string            `json:"identityId"`
	TraceID    string            `json:"traceId"`
}

// failingReader fails after some bytes: aws-lambda-go then declares the
// error in trailers of its /response post.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.n = 0
		return copy(p, "partial"), nil
	}
	return 0, errors.New("stream broke")
}

// runLambdaGoFunction is the function of the helper process: an ordinary
// lambda.Start handler, unmodified.
func runLambdaGoFunction() {
	lambda.Start(func(ctx context.Context, ev lambdaGoEvent) (any, error) {
		switch ev.Mode {
		case "hello":
			return "hello " + ev.Name, nil
		case "context":
			lc, _ := lambdacontext.FromContext(ctx)
			dl, _ := ctx.Deadline()
			trace, _ := ctx.Value("x-amzn-trace-id").(string)
			return lambdaGoContext{lc.AwsRequestID, lc.InvokedFunctionArn, dl.UnixMilli(), lc.ClientContext.Custom, lc.Identity.CognitoIdentityID, trace}, nil
		case "error":
			return nil, errors.New("boom")
		case "reader":
			return &failingReader{n: 1}, nil
		case "big":
			return strings.Repeat("x", ev.Size), nil
		case "panic":
			panic("oops")
		case "stream", "streamfail":
			// Chunk 1, then, once the test has seen it and made the
			// marker file ev.Name, chunk 2 or a failure.
			r, w := io.Pipe()
			go func() {
				w.Write([]byte("chunk 1;"))
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if _, err := os.Stat(ev.Name); err == nil {
						break
					}
				}
				if ev.Mode == "streamfail" {
					w.CloseWithError(errors.New("stream broke"))
					return
				}
				w.Write([]byte("chunk 2"))
				w.Close()
			}()
			return r, nil
		}
		return nil, errors.New("unknown mode " + ev.Mode)
	})
}

// startLambdaGo starts the test binary as an aws-lambda-go function against
// s. The returned channel yields the process's exit.
func startLambdaGo(t *testing.T, s *Server) (<-chan error, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{lambdaGoHelperEnv + "=1", "AWS_LAMBDA_RUNTIME_API=" + addr(s)}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	waited := make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(waited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-waited
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady: %v; function's stderr:\n%s", err, &stderr)
	}
	return exited, &stderr
}

func invokeJSON(t *testing.T, s *Server, inv Invocation, ev lambdaGoEvent) Result {
	t.Helper()
	inv.Payload, _ = json.Marshal(ev)
	if inv.RequestID == "" {
		inv.RequestID = "req-" + ev.Mode
	}
	if inv.Deadline.IsZero() {
		inv.Deadline = time.Now().Add(10 * time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.Invoke(ctx, inv)
	if err != nil {
		t.Fatalf("Invoke %s: %v", ev.Mode, err)
	}
	return res
}

// TestLambdaGo runs a real aws-lambda-go function (lambda.Start) against the
// server: responses, context headers, errors, trailers, a panic.
func TestLambdaGo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	s := listen(t)
	exited, stderr := startLambdaGo(t, s)

	for i := range 20 {
		res := invokeJSON(t, s, Invocation{RequestID: "hello-" + string(rune('a'+i))}, lambdaGoEvent{Mode: "hello", Name: "World"})
		if res.Outcome != Response || string(res.Body) != `"hello World"` {
			t.Fatalf("hello: %v %s", res.Outcome, res.Body)
		}
	}

	inv := Invocation{
		RequestID:       "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
		Deadline:        time.Now().Add(7 * time.Second).Truncate(time.Millisecond),
		FunctionARN:     testARN + ":live",
		TraceID:         "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		ClientContext:   `{"client":{},"custom":{"k":"v"},"env":{}}`,
		CognitoIdentity: `{"cognitoIdentityId":"us-east-1:abc","cognitoIdentityPoolId":"pool"}`,
	}
	res := invokeJSON(t, s, inv, lambdaGoEvent{Mode: "context"})
	var got lambdaGoContext
	if err := json.Unmarshal(res.Body, &got); err != nil || res.Outcome != Response {
		t.Fatalf("context: %v %s: %v", res.Outcome, res.Body, err)
	}
	want := lambdaGoContext{inv.RequestID, inv.FunctionARN, inv.Deadline.UnixMilli(), map[string]string{"k": "v"}, "us-east-1:abc", inv.TraceID}
	if got.RequestID != want.RequestID || got.ARN != want.ARN || got.DeadlineMs != want.DeadlineMs ||
		got.Custom["k"] != "v" || got.IdentityID != want.IdentityID || got.TraceID != want.TraceID {
		t.Errorf("function saw %+v, want %+v", got, want)
	}

	res = invokeJSON(t, s, Invocation{}, lambdaGoEvent{Mode: "error"})
	if res.Outcome != FunctionError || res.ErrorType != "errorString" ||
		string(res.Body) != `{"errorMessage":"boom","errorType":"errorString"}` {
		t.Errorf("error: %v %q %s", res.Outcome, res.ErrorType, res.Body)
	}

	res = invokeJSON(t, s, Invocation{}, lambdaGoEvent{Mode: "reader"})
	if res.Outcome != FunctionError || res.ErrorType != "errorString" || !bytes.Contains(res.Body, []byte("stream broke")) {
		t.Errorf("failing reader: %v %q %s", res.Outcome, res.ErrorType, res.Body)
	}

	res = invokeJSON(t, s, Invocation{}, lambdaGoEvent{Mode: "hello", Name: "again"})
	if res.Outcome != Response || string(res.Body) != `"hello again"` {
		t.Errorf("after errors: %v %s", res.Outcome, res.Body)
	}

	res = invokeJSON(t, s, Invocation{}, lambdaGoEvent{Mode: "panic"})
	var doc struct {
		ErrorMessage, ErrorType string
		StackTrace              []any
	}
	if err := json.Unmarshal(res.Body, &doc); err != nil || res.Outcome != FunctionError ||
		res.ErrorType != "string" || doc.ErrorMessage != "oops" || len(doc.StackTrace) == 0 {
		t.Errorf("panic: %v %q %s", res.Outcome, res.ErrorType, res.Body)
	}
	// After a panic, aws-lambda-go exits.
	if err := receive(t, exited); err == nil {
		t.Errorf("function exited cleanly after a panic; stderr:\n%s", stderr)
	}
}

// TestLambdaGoResponseTooLarge: a response over the limit ends the invoke as
// Function.ResponseSizeTooLarge, and aws-lambda-go exits on the 413.
func TestLambdaGoResponseTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	s := listen(t)
	exited, stderr := startLambdaGo(t, s)
	res := invokeJSON(t, s, Invocation{}, lambdaGoEvent{Mode: "big", Size: 7 << 20})
	if res.Outcome != ResponseTooLarge || res.ErrorType != "Function.ResponseSizeTooLarge" ||
		!bytes.Contains(res.Body, []byte(`exceeded maximum allowed payload size (6291556 bytes)`)) {
		t.Errorf("big: %v %q %s", res.Outcome, res.ErrorType, res.Body)
	}
	if err := receive(t, exited); err == nil {
		t.Errorf("function exited cleanly after a 413; stderr:\n%s", stderr)
	}
}

// TestLambdaGoStream: a real aws-lambda-go function returning an io.Reader
// streams it: chunk 1 reaches the Stream while the function still holds
// chunk 2 back, and a reader that fails after some bytes ends the
// invocation with the error of its trailers.
func TestLambdaGoStream(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	s := listen(t)
	startLambdaGo(t, s)
	for _, mode := range []string{"stream", "streamfail"} {
		marker := filepath.Join(t.TempDir(), "go-on")
		sink := newStreamSink()
		inv := Invocation{RequestID: "req-" + mode, Deadline: time.Now().Add(10 * time.Second), Stream: sink}
		inv.Payload, _ = json.Marshal(lambdaGoEvent{Mode: mode, Name: marker})
		res := startInvoke(s, context.Background(), inv)
		receive(t, sink.first)
		if got := sink.String(); got != "chunk 1;" {
			t.Fatalf("%s: stream has %q while the function holds chunk 2", mode, got)
		}
		if err := os.WriteFile(marker, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		r := receive(t, res)
		switch {
		case r.err != nil:
			t.Errorf("%s: %v", mode, r.err)
		case mode == "stream" && (r.res.Outcome != Response || sink.String() != "chunk 1;chunk 2"):
			t.Errorf("stream: %+v, stream %q", r.res, sink.String())
		case mode == "streamfail" && (r.res.Outcome != FunctionError || r.res.ErrorType != "errorString" ||
			!bytes.Contains(r.res.Body, []byte("stream broke")) || r.res.StreamedBytes != 8):
			t.Errorf("streamfail: %+v (%s)", r.res, r.res.Body)
		}
	}
}
