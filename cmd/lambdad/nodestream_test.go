package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// streamingNode is a Node.js function that streams with
// awslambda.streamifyResponse: chunk 1, a pause of event.ms, then a log
// line and the rest, or a failure (mode "fail" after chunk 1, "before"
// ahead of any).
const streamingNode = `
import { setTimeout as sleep } from "node:timers/promises";
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  if (event.mode === "before") throw new TypeError("nothing streamed");
  responseStream.setContentType("text/plain");
  responseStream.write("chunk 1;");
  await sleep(event.ms);
  console.log("after chunk 1 of " + context.awsRequestId);
  if (event.mode === "fail") throw new RangeError("stream broke");
  responseStream.write("chunk 2;");
  responseStream.end("chunk 3");
});
`

// TestServeNodeStream: a Node.js function on lambdad's own runtime client
// streams through aws-sdk-go-v2's InvokeWithResponseStream: chunk 1 reaches
// the client while the function still works on the rest, which follows in
// order; an error after chunk 1 is InvokeComplete's ErrorCode, as is one
// before any chunk. Its RESPONSE_STREAM URL gets status, headers and cookie
// from awslambda.HttpResponseStream.from's prelude.
func TestServeNodeStream(t *testing.T) {
	h := hostNode(t)
	dir := nodeFunctions(t, map[string]string{
		"nstream/function.json": `{"Runtime": "` + h.Runtime + `", "Timeout": 30}`,
		"nstream/index.mjs":     streamingNode,
		"nurl/function.json": `{"Runtime": "` + h.Runtime + `", "Timeout": 30,
  "FunctionUrlConfig": {"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM"}}`,
		"nurl/index.mjs": `
import { setTimeout as sleep } from "node:timers/promises";
export const handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 202, headers: { "x-streamed": "yes", "content-type": "text/plain" }, cookies: ["streamed=yes"],
  });
  responseStream.write("part 1;");
  await sleep(Number(event.queryStringParameters.ms));
  console.log("nurl: after part 1");
  responseStream.end("part 2");
});
`,
	})
	d := startDaemon(t, "--functions", dir)
	notYet := func(requestID string) {
		out := d.output.String()
		if strings.Contains(out, "after chunk 1 of "+requestID) || strings.Contains(out, "END RequestId: "+requestID) {
			t.Errorf("chunk 1 arrived after the function went on:\n%s", out)
		}
	}
	got := d.invokeStream("nstream", `{"ms":1500}`, notYet)
	if len(got.chunks) < 2 || got.chunks[0] != "chunk 1;" || strings.Join(got.chunks, "") != "chunk 1;chunk 2;chunk 3" ||
		got.complete.ErrorCode != nil {
		t.Errorf("stream: %q, complete %+v", got.chunks, got.complete)
	}
	got = d.invokeStream("nstream", `{"mode":"fail","ms":1000}`, notYet)
	if strings.Join(got.chunks, "") != "chunk 1;" || aws.ToString(got.complete.ErrorCode) != "RangeError" ||
		aws.ToString(got.complete.ErrorDetails) != "stream broke" {
		t.Errorf("fail after chunk 1: %q, error %q %q", got.chunks, aws.ToString(got.complete.ErrorCode), aws.ToString(got.complete.ErrorDetails))
	}
	got = d.invokeStream("nstream", `{"mode":"before"}`, nil)
	if len(got.chunks) != 0 || aws.ToString(got.complete.ErrorCode) != "TypeError" || aws.ToString(got.complete.ErrorDetails) != "nothing streamed" {
		t.Errorf("fail before a chunk: %q, error %q %q", got.chunks, aws.ToString(got.complete.ErrorCode), aws.ToString(got.complete.ErrorDetails))
	}
	// A plain Invoke of the same function gets the stream's bytes whole.
	if out := mustInvoke(t, d, "nstream", `{"ms":10}`); string(out.Payload) != "chunk 1;chunk 2;chunk 3" || out.FunctionError != nil {
		t.Errorf("plain invoke of a stream: %q, function error %v", out.Payload, aws.ToString(out.FunctionError))
	}

	checkStreamedURL(t, d, "nurl", "?ms=1500", "nurl: after part 1")
}
