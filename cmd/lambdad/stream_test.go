package main

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// streamed is what an InvokeWithResponseStream got.
type streamed struct {
	requestID string
	chunks    []string
	complete  *types.InvokeWithResponseStreamCompleteEvent
}

// invokeStream calls InvokeWithResponseStream with aws-sdk-go-v2 and reads
// its events; onFirst, if set, runs when the first chunk arrives.
func (d *served) invokeStream(name, payload string, onFirst func(requestID string)) streamed {
	t := d.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := d.client.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{
		FunctionName: aws.String(name), Payload: []byte(payload), LogType: types.LogTypeTail,
	})
	if err != nil {
		t.Fatalf("InvokeWithResponseStream %s %s: %v\ndaemon output:\n%s", name, payload, err, d.output)
	}
	var got streamed
	got.requestID, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	stream := out.GetStream()
	defer stream.Close()
	for ev := range stream.Events() {
		switch ev := ev.(type) {
		case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			if len(got.chunks) == 0 && onFirst != nil {
				onFirst(got.requestID)
			}
			got.chunks = append(got.chunks, string(ev.Value.Payload))
		case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			got.complete = &ev.Value
		}
	}
	if err := stream.Err(); err != nil || got.complete == nil {
		t.Fatalf("event stream of %s %s: %v, InvokeComplete %v\ndaemon output:\n%s", name, payload, err, got.complete, d.output)
	}
	return got
}

// TestServeStream: an aws-lambda-go function whose handler returns an
// io.Reader, invoked with aws-sdk-go-v2's InvokeWithResponseStream: chunk 1
// reaches the client while the function still works on chunk 2 (its log
// line after chunk 1 and the invoke's END are not out yet); a failure after
// chunk 1 is InvokeComplete's ErrorCode; a plain Invoke of the same
// function gets the same bytes buffered, and a plain reply streams as one.
func TestServeStream(t *testing.T) {
	d := startDaemon(t)
	notYet := func(requestID string) {
		out := d.output.String()
		if strings.Contains(out, "after chunk 1 of "+requestID) || strings.Contains(out, "END RequestId: "+requestID) {
			t.Errorf("chunk 1 arrived after the function finished:\n%s", out)
		}
	}
	got := d.invokeStream("big", `{"mode":"stream","ms":1000}`, notYet)
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(got.complete.LogResult))
	if strings.Join(got.chunks, "") != "chunk 1;chunk 2" || got.complete.ErrorCode != nil ||
		!strings.Contains(string(log), "END RequestId: "+got.requestID) {
		t.Errorf("stream: %q, complete %+v, log:\n%s", got.chunks, got.complete, log)
	}

	got = d.invokeStream("big", `{"mode":"streamfail","ms":1000}`, notYet)
	if strings.Join(got.chunks, "") != "chunk 1;" || aws.ToString(got.complete.ErrorCode) != "errorString" ||
		aws.ToString(got.complete.ErrorDetails) != "stream broke" {
		t.Errorf("streamfail: %q, complete %+v %v", got.chunks, aws.ToString(got.complete.ErrorCode), aws.ToString(got.complete.ErrorDetails))
	}

	out := mustInvoke(t, d, "big", `{"mode":"stream","ms":10}`)
	if string(out.Payload) != "chunk 1;chunk 2" || out.FunctionError != nil {
		t.Errorf("plain invoke of a stream: %q, function error %v", out.Payload, aws.ToString(out.FunctionError))
	}
	out = mustInvoke(t, d, "big", `{"mode":"streamfail","ms":10}`)
	if out.FunctionError == nil || errorType(t, out) != "errorString" || !strings.Contains(string(out.Payload), "stream broke") {
		t.Errorf("plain invoke of a failing stream: %s, function error %v", out.Payload, aws.ToString(out.FunctionError))
	}

	got = d.invokeStream("big", `{"text":"plain"}`, nil)
	if s := strings.Join(got.chunks, ""); !strings.Contains(s, `"text":"plain"`) || got.complete.ErrorCode != nil {
		t.Errorf("plain reply streamed: %q, complete %+v", s, got.complete)
	}
}
