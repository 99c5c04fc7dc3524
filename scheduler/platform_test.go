package scheduler

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/function"
)

// A JSON function's START, END and REPORT are Lambda's JSON platform
// records; SystemLogLevel WARN leaves them out; Text keeps the lines.
func TestPlatformRecords(t *testing.T) {
	s, _, _ := newTest(t, Config{})
	f := fn("js")
	f.Logging = function.LoggingConfig{LogFormat: function.LogFormatJSON}
	res := invoke(t, s, f)
	lines := strings.Split(strings.TrimSuffix(string(res.Log), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("log %q: want 3 records", res.Log)
	}
	type record struct {
		Time   string
		Type   string
		Record struct {
			RequestID string `json:"requestId"`
			Version   string
			Status    string
			Metrics   map[string]float64
		}
	}
	for i, want := range []string{"platform.start", "platform.runtimeDone", "platform.report"} {
		var r record
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatalf("record %d %q: %v", i, lines[i], err)
		}
		if r.Type != want || r.Record.RequestID != "req-js" || len(r.Time) != len("2026-12-02T05:00:00.000Z") {
			t.Errorf("record %d %q: want %s of req-js", i, lines[i], want)
		}
		switch want {
		case "platform.start":
			if r.Record.Version != "$LATEST" {
				t.Errorf("start %q: version", lines[i])
			}
		case "platform.report":
			m := r.Record.Metrics
			if r.Record.Status != "success" || m["memorySizeMB"] != 128 {
				t.Errorf("report %q", lines[i])
			}
			for _, k := range []string{"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"} {
				if _, ok := m[k]; !ok {
					t.Errorf("report %q lacks metrics.%s", lines[i], k)
				}
			}
		}
	}

	quiet := fn("quiet")
	quiet.Logging = function.LoggingConfig{LogFormat: function.LogFormatJSON, SystemLogLevel: "WARN"}
	if res := invoke(t, s, quiet); len(res.Log) != 0 {
		t.Errorf("SystemLogLevel WARN logged %q", res.Log)
	}
	text := invoke(t, s, fn("text"))
	if !strings.HasPrefix(string(text.Log), "START RequestId: req-text Version: $LATEST\nEND RequestId: req-text\nREPORT RequestId: req-text\t") {
		t.Errorf("Text log %q", text.Log)
	}
}
