package nodejs

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const responsePath = "/2018-06-01/runtime/invocation/req-1/response"

// streamed checks that p is req-1's streamed /response post.
func streamed(t *testing.T, p post) {
	t.Helper()
	if p.Path != responsePath || p.Mode != "streaming" || !p.Chunked {
		t.Fatalf("POST %s (response mode %q, chunked %v) %q, want req-1's streamed response", p.Path, p.Mode, p.Chunked, p.Body)
	}
}

// trailerError is the error document in p's trailers, and its type.
func trailerError(t *testing.T, p post) (string, errorDoc) {
	t.Helper()
	var d errorDoc
	b, err := base64.StdEncoding.DecodeString(p.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
	if err != nil {
		t.Fatalf("error body trailer %q: %v", p.Trailer.Get("Lambda-Runtime-Function-Error-Body"), err)
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("error body trailer %q: %v", b, err)
	}
	return p.Trailer.Get("Lambda-Runtime-Function-Error-Type"), d
}

// The first chunk reaches the Runtime API while the handler still works on
// the second: it waits for a file the test writes only once chunk 1 is in.
func TestStreamFirstChunkEarly(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	marker := filepath.Join(t.TempDir(), "go")
	ev, _ := json.Marshal(map[string]string{"marker": marker})
	api.Enqueue(event{ID: "req-1", Body: string(ev)})
	rt := startRuntime(t, api, "index.handler", map[string]string{"index.mjs": `
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  responseStream.write("part 1;");
  while (!existsSync(event.marker)) await sleep(10);
  responseStream.write("part 2 of " + context.awsRequestId);
  responseStream.end();
  console.log("handler done");
});
`})
	waitOutput(t, api.Streamed.String, "part 1;")
	if strings.Contains(rt.Stdout.String(), "handler done") {
		t.Fatal("the handler finished before its first chunk was seen")
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := api.WaitPost(t)
	streamed(t, p)
	if string(p.Body) != "part 1;part 2 of req-1" || p.ContentType != "application/octet-stream" {
		t.Errorf("body %q of type %q, want both parts, application/octet-stream", p.Body, p.ContentType)
	}
	if typ := p.Trailer.Get("Lambda-Runtime-Function-Error-Type"); typ != "" {
		t.Errorf("error trailer %q on a stream that ended well", typ)
	}
}

func TestStreamResponses(t *testing.T) {
	prelude := `{"statusCode":201,"headers":{"x-a":"1"},"cookies":["c=1"]}` + strings.Repeat("\x00", 8)
	tests := []struct {
		name, src         string
		contentType, body string
	}{{
		name: "setContentType",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.setContentType("text/plain");
  rs.write("a");
  rs.end("b");
});`,
		contentType: "text/plain",
		body:        "ab",
	}, {
		name: "HttpResponseStream prelude",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs = awslambda.HttpResponseStream.from(rs, { statusCode: 201, headers: { "x-a": "1" }, cookies: ["c=1"] });
  rs.write("body");
  rs.end();
});`,
		contentType: "application/vnd.awslambda.http-integration-response",
		body:        prelude + "body",
	}, {
		name: "HttpResponseStream prelude without a body",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  awslambda.HttpResponseStream.from(rs, { statusCode: 201, headers: { "x-a": "1" }, cookies: ["c=1"] }).end();
});`,
		contentType: "application/vnd.awslambda.http-integration-response",
		body:        prelude,
	}, {
		name: "pipeline",
		src: `
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  await pipeline(Readable.from([Buffer.from("x"), "y", new Uint8Array([122])]), rs);
});`,
		contentType: "application/octet-stream",
		body:        "xyz",
	}, {
		name: "values written as JSON",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.write({ a: 1 });
  rs.end([2]);
});`,
		contentType: "application/octet-stream",
		body:        `{"a":1}[2]`,
	}, {
		// The handler's promise resolves first; the invocation ends with the
		// stream.
		name: "ended after the handler returned",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.write("now ");
  setTimeout(() => rs.end("later"), 50);
});`,
		contentType: "application/octet-stream",
		body:        "now later",
	}, {
		name: "empty",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => { rs.end(); });`,
		contentType: "application/octet-stream",
		body:        "",
	}, {
		// The marks of AWS's runtime, set without the global.
		name: "CommonJS marked by symbol",
		src: `
exports.handler = async (event, rs) => { rs.end("marked"); };
exports.handler[Symbol.for("aws.lambda.runtime.handler.streaming")] = "response";
`,
		contentType: "application/octet-stream",
		body:        "marked",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			api.Enqueue(event{ID: "req-1", Body: `{}`})
			file := "index.mjs"
			if strings.Contains(tt.src, "exports.") {
				file = "index.js"
			}
			startRuntime(t, api, "index.handler", map[string]string{file: tt.src})
			p := api.WaitPost(t)
			streamed(t, p)
			if string(p.Body) != tt.body || p.ContentType != tt.contentType {
				t.Errorf("body %q of type %q, want %q of type %q", p.Body, p.ContentType, tt.body, tt.contentType)
			}
			if typ := p.Trailer.Get("Lambda-Runtime-Function-Error-Type"); typ != "" {
				t.Errorf("error trailer %q on a stream that ended well", typ)
			}
		})
	}
}

// A streaming invocation that fails after its first byte ends the post
// with the error in its trailers; before it, the error is posted to
// /error. The runtime goes on to the next invocation either way.
func TestStreamErrors(t *testing.T) {
	tests := []struct {
		name, src      string
		body           string // "": the error goes to /error
		errorType, msg string
	}{{
		name: "thrown after a chunk",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.write("part 1");
  await new Promise((resolve) => setTimeout(resolve, 10));
  throw new TypeError("broke at part 2");
});`,
		body:      "part 1",
		errorType: "TypeError",
		msg:       "broke at part 2",
	}, {
		name: "thrown before a chunk",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.setContentType("text/plain");
  throw new RangeError("nothing written");
});`,
		errorType: "RangeError",
		msg:       "nothing written",
	}, {
		name: "stream destroyed with an error",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.write("part 1");
  rs.destroy(new Error("destroyed"));
});`,
		body:      "part 1",
		errorType: "Error",
		msg:       "destroyed",
	}, {
		name: "pipeline's source fails",
		src: `
import { pipeline } from "node:stream/promises";
async function* source() {
  yield "part 1";
  await new Promise((resolve) => setTimeout(resolve, 10));
  throw new Error("source failed");
}
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  await pipeline(source, rs);
});`,
		body:      "part 1",
		errorType: "Error",
		msg:       "source failed",
	}, {
		name: "setContentType too late",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.write("part 1");
  rs.setContentType("text/plain");
});`,
		body:      "part 1",
		errorType: "Runtime.InvalidStreamingOperation",
		msg:       "Cannot set content-type, too late.",
	}, {
		// A stream that started and is never ended keeps its post open until
		// the function times out, as on AWS.
		name: "never written nor ended",
		src: `
export const handler = awslambda.streamifyResponse(async (event, rs) => {});`,
		errorType: "string",
		msg:       "Response stream is not finished.",
	}, {
		name: "not async",
		src: `
export const handler = awslambda.streamifyResponse((event, rs) => {});`,
		errorType: "string",
		msg:       "Streaming does not support non-async handlers.",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			api.Enqueue(event{ID: "req-1", Body: `{}`}, event{ID: "req-2", Body: `{}`})
			rt := startRuntime(t, api, "index.handler", map[string]string{"index.mjs": tt.src})
			p := api.WaitPost(t)
			var typ string
			var d errorDoc
			if tt.body != "" {
				streamed(t, p)
				if string(p.Body) != tt.body {
					t.Errorf("body %q, want %q", p.Body, tt.body)
				}
				typ, d = trailerError(t, p)
			} else {
				if p.Path != "/2018-06-01/runtime/invocation/req-1/error" {
					t.Fatalf("POST %s %q, want req-1's error", p.Path, p.Body)
				}
				typ, d = p.ErrorType, decodeError(t, p)
			}
			if typ != tt.errorType || d.ErrorType != tt.errorType || d.ErrorMessage != tt.msg {
				t.Errorf("error %q %+v, want %s %q", typ, d, tt.errorType, tt.msg)
			}
			waitOutput(t, rt.Stderr.String, "\treq-1\tERROR\tInvoke Error \t{\"errorType\":\""+tt.errorType+"\"")
			if p := api.WaitPost(t); !strings.HasPrefix(p.Path, "/2018-06-01/runtime/invocation/req-2/") {
				t.Errorf("second POST %s, want req-2's", p.Path)
			}
			if c := api.Conns.Load(); c != 1 {
				t.Errorf("the runtime opened %d connections, want 1", c)
			}
		})
	}
}

// An uncaught exception while a response streams ends the post with the
// error, and the runtime with status 129.
func TestStreamUncaughtException(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startRuntime(t, api, "index.handler", map[string]string{"index.mjs": `
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  rs.write("part 1");
  setTimeout(() => { throw new Error("from a timer"); }, 10);
  await new Promise(() => {});
});`})
	p := api.WaitPost(t)
	streamed(t, p)
	if typ, d := trailerError(t, p); string(p.Body) != "part 1" || typ != "Error" || d.ErrorMessage != "from a timer" {
		t.Errorf("body %q, error %q %+v, want part 1 and the timer's error", p.Body, typ, d)
	}
	if code := rt.WaitExit(t); code != 129 {
		t.Errorf("runtime exited %d after an uncaught exception, want 129", code)
	}
}

// A stream far larger than the socket's buffers goes through whole, the
// handler's writes held back while the socket is behind.
func TestStreamLarge(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	startRuntime(t, api, "index.handler", map[string]string{"index.mjs": `
import { pipeline } from "node:stream/promises";
async function* source() {
  for (let i = 0; i < 256; i++) yield Buffer.alloc(64 << 10, 97 + (i % 26));
}
export const handler = awslambda.streamifyResponse(async (event, rs) => {
  await pipeline(source, rs);
});`})
	p := api.WaitPost(t)
	streamed(t, p)
	if len(p.Body) != 256<<16 {
		t.Fatalf("body of %d bytes, want %d", len(p.Body), 256<<16)
	}
	for i := range 256 {
		if c := p.Body[i<<16]; c != byte('a'+i%26) || p.Body[i<<16+(64<<10)-1] != c {
			t.Fatalf("block %d holds %q, want %q", i, c, byte('a'+i%26))
		}
	}
}
