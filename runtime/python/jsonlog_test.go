package python

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/runtime/runtimetest"
)

// startJSONRuntime is startRuntime for a function whose LoggingConfig is
// JSON at level: the environment Lambda (and lambdad) gives it.
func startJSONRuntime(t *testing.T, api *fakeAPI, level string, files map[string]string) *runtimetest.Proc {
	t.Helper()
	bootstrap, err := filepath.Abs("bootstrap.py")
	if err != nil {
		t.Fatal(err)
	}
	return runtimetest.Start(t, api, []string{python(t), bootstrap}, "handler.handler", files, func(string) []string {
		return []string{"PYTHONDONTWRITEBYTECODE=1", "AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=" + level}
	})
}

// With LogFormat JSON, the logging module's records are JSON objects as
// AWS's runtime writes them, filtered by AWS_LAMBDA_LOG_LEVEL; print stays
// plain text.
func TestLogsJSON(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startJSONRuntime(t, api, "WARN", map[string]string{"handler.py": `
import logging
logger = logging.getLogger("app")
def handler(event, context):
    print("plain print")
    logger.info("dropped: below WARN")
    logger.warning("careful %s", "now", extra={"orderId": 7})
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    return None
`})
	api.WaitPost(t)
	waitOutput(t, rt.Stdout.String, "plain print\n")
	recs := runtimetest.JSONRecords(t, rt.Stderr.String, 2)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2 (INFO filtered): %v", len(recs), recs)
	}
	warn, exc := recs[0], recs[1]
	for k, want := range map[string]any{"level": "WARN", "message": "careful now", "logger": "app", "requestId": "req-1", "orderId": float64(7)} {
		if warn[k] != want {
			t.Errorf("record %v: %s = %v, want %v", warn, k, warn[k], want)
		}
	}
	if ts, _ := warn["timestamp"].(string); len(ts) != len("2006-01-02T15:04:05.000Z") || !strings.HasSuffix(ts, "Z") {
		t.Errorf("timestamp %q", ts)
	}
	if exc["level"] != "ERROR" || exc["errorType"] != "ValueError" || exc["errorMessage"] != "boom" || exc["stackTrace"] == nil {
		t.Errorf("exception record %v", exc)
	}
}

// An unhandled error is logged as one JSON record too.
func TestLogsJSONUnhandledError(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Enqueue(event{ID: "req-1", Body: `{}`})
	rt := startJSONRuntime(t, api, "INFO", map[string]string{"handler.py": `
def handler(event, context):
    raise ValueError("bad input")
`})
	api.WaitPost(t)
	recs := runtimetest.JSONRecords(t, rt.Stderr.String, 1)
	if r := recs[0]; r["level"] != "ERROR" || r["errorType"] != "ValueError" || r["errorMessage"] != "bad input" || r["requestId"] != "req-1" {
		t.Errorf("record %v", r)
	}
}
