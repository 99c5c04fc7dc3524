package nodejs

import (
	"path/filepath"
	"testing"

	"github.com/lambdad/lambdad/runtime/runtimetest"
)

// startJSONRuntime is startRuntime for a function whose LoggingConfig is
// JSON at level: the environment Lambda (and lambdad) gives it.
func startJSONRuntime(t *testing.T, api *fakeAPI, level string, files map[string]string) *runtimetest.Proc {
	t.Helper()
	index, err := filepath.Abs("index.mjs")
	if err != nil {
		t.Fatal(err)
	}
	return runtimetest.Start(t, api, []string{node(t), index}, "index.handler", files, func(string) []string {
		return []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=" + level}
	})
}

// With LogFormat JSON, console's methods write JSON records as AWS's
// runtime does, filtered by AWS_LAMBDA_LOG_LEVEL.
func TestLogsJSON(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startJSONRuntime(t, api, "INFO", map[string]string{"index.mjs": `
export const handler = async () => {
  console.debug("dropped: below INFO");
  console.log("hello %s", "world");
  console.info({ orderId: 7 });
  console.warn("careful");
  console.error("failed", new TypeError("boom"));
  return 1;
};
`})
	api.WaitPost(t)
	out := runtimetest.JSONRecords(t, rt.Stdout.String, 2)
	errs := runtimetest.JSONRecords(t, rt.Stderr.String, 2)
	if len(out) != 2 || len(errs) != 2 {
		t.Fatalf("stdout %v, stderr %v: want 2 records each (DEBUG filtered)", out, errs)
	}
	hello, obj, warn, fail := out[0], out[1], errs[0], errs[1]
	for k, want := range map[string]any{"level": "INFO", "message": "hello world", "requestId": "req-1"} {
		if hello[k] != want {
			t.Errorf("record %v: %s = %v, want %v", hello, k, hello[k], want)
		}
	}
	if ts, _ := hello["timestamp"].(string); len(ts) != len("2006-01-02T15:04:05.000Z") {
		t.Errorf("timestamp %q", ts)
	}
	if m, _ := obj["message"].(map[string]any); m["orderId"] != float64(7) {
		t.Errorf("an object's record %v: want it as the message", obj)
	}
	if warn["level"] != "WARN" || warn["message"] != "careful" {
		t.Errorf("warn record %v", warn)
	}
	if fail["level"] != "ERROR" || fail["errorType"] != "TypeError" || fail["errorMessage"] != "boom" || fail["stackTrace"] == nil {
		t.Errorf("error record %v", fail)
	}
}

// An invocation's error is logged as one JSON record too.
func TestLogsJSONInvokeError(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startJSONRuntime(t, api, "ERROR", map[string]string{"index.mjs": `
export const handler = async () => { console.warn("dropped"); throw new RangeError("bad input"); };
`})
	api.WaitPost(t)
	recs := runtimetest.JSONRecords(t, rt.Stderr.String, 1)
	if r := recs[0]; len(recs) != 1 || r["level"] != "ERROR" || r["errorType"] != "RangeError" || r["errorMessage"] != "bad input" || r["requestId"] != "req-1" {
		t.Errorf("records %v", recs)
	}
}
