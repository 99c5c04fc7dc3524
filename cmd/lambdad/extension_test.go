package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/internal/testkit"
)

// extensionFunctions lays out gofn functions whose layer holds the test
// extension (internal/testfn/extfn) at /opt/extensions/extfn: "ext", whose
// extension works 300 ms after each INVOKE, and "extcrash", whose extension
// exits on its first INVOKE, and "extslow", whose extension works past the
// function's timeout.
func extensionFunctions(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	os.Chmod(top, 0o755)
	gofnCode, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := os.ReadFile(extfn)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"layers/ext/extensions/extfn": string(ext),
		"functions/ext/bootstrap":     string(gofnCode),
		"functions/ext/function.json": `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":10,` +
			`"Layers":["../../layers/ext"],"Environment":{"Variables":{"EXTFN_WORK_MS":"300"}}}`,
		"functions/extslow/bootstrap": string(gofnCode),
		// extslow's extension asks for its next event 6.5 s after the
		// INVOKE: after the 6 s timeout, within the 2 s of the shutdown
		// that follows (the runtime needs the rest: 2 s was too short for
		// its answer in the emulated cgroup v2 lane).
		// 1769 MB: a whole CPU, which the extension shares with the
		// function (at 128 MB's 7% the emulated lane's extension took more
		// than the shutdown's 2 s to ask for its event).
		"functions/extslow/function.json": `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":6,"MemorySize":1769,` +
			`"Layers":["../../layers/ext"],"Environment":{"Variables":{"EXTFN_WORK_MS":"6500"}}}`,
		"functions/extcrash/bootstrap": string(gofnCode),
		"functions/extcrash/function.json": `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":10,` +
			`"Layers":["../../layers/ext"],"Environment":{"Variables":{"EXTFN_CRASH":"1"}}}`,
	}
	for name, content := range files {
		path := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, "bootstrap") || strings.HasSuffix(name, "extfn") {
			mode = 0o755
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(top, "functions")
}

// requestID is the request id gofn's reply names.
func requestID(out *lambda.InvokeOutput) string {
	var r struct {
		RequestID string `json:"request_id"`
	}
	json.Unmarshal(out.Payload, &r)
	return r.RequestID
}

// telemetryEvent is one event the test extension received.
type telemetryEvent struct {
	Time   string          `json:"time"`
	Type   string          `json:"type"`
	Record json.RawMessage `json:"record"`
}

// TestServeExtension runs a real external extension beside an aws-lambda-go
// function: it registers before the runtime starts, gets each INVOKE (the
// response does not wait for its work, the next invoke and REPORT do), gets
// every telemetry stream (platform events in Lambda's order, the function's
// and its own output), and SHUTDOWN with "spindown" on idle eviction.
func TestServeExtension(t *testing.T) {
	d := startDaemon(t, "--functions", extensionFunctions(t), "--idle-timeout", "5s")

	first := mustInvoke(t, d, "ext", `{"mode":"echo","text":"hi"}`)
	if first.FunctionError != nil || !strings.Contains(string(first.Payload), `"text":"hi"`) {
		t.Fatalf("first invoke: %s\n%s", first.Payload, d.output)
	}
	// The extension logs its INVOKE as it gets it, beside the runtime: its
	// line may follow the response.
	testkit.Eventually(t, "the extension's first INVOKE", func() bool {
		return strings.Contains(d.output.String(), "extfn: INVOKE "+requestID(first))
	})
	// The instance serves again once the extension is done (END), and
	// telemetry arrives within the subscription's 25 ms: read what the
	// extension got until the first invoke's platform.report is there.
	testkit.Eventually(t, "the first invoke's END", func() bool {
		return strings.Contains(d.output.String(), "END RequestId: "+requestID(first))
	})
	var reply struct{ Text, RequestID string }
	testkit.Eventually(t, "the first invoke's platform.report", func() bool {
		out := mustInvoke(t, d, "ext", `{"mode":"read","text":"/tmp/telemetry.jsonl"}`)
		reply.Text = ""
		json.Unmarshal(out.Payload, &reply)
		// The next read waits for this one's extension, on the same sandbox.
		testkit.Eventually(t, "END", func() bool {
			return strings.Contains(d.output.String(), "END RequestId: "+requestID(out))
		})
		return out.FunctionError == nil && strings.Contains(reply.Text, `"platform.report"`)
	})
	if d.sandboxCount() != 1 {
		t.Errorf("%d sandboxes, want the first invoke's one, warm again", d.sandboxCount())
	}
	var events []telemetryEvent
	for line := range strings.Lines(reply.Text) {
		var ev telemetryEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("telemetry line %q: %v", line, err)
		}
		events = append(events, ev)
	}
	var types []string
	for _, ev := range events {
		types = append(types, ev.Type)
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", ev.Time); err != nil {
			t.Errorf("%s's time %q: %v", ev.Type, ev.Time, err)
		}
	}
	got := strings.Join(types, " ")
	// The first invoke's platform events, in Lambda's order, before this
	// invoke's start (the extension's own output comes in between).
	order := []string{"platform.initStart", "platform.extension", "platform.initRuntimeDone", "platform.initReport",
		"platform.start", "platform.runtimeDone", "platform.report", "platform.start"}
	at := 0
	for _, typ := range types {
		if at < len(order) && typ == order[at] {
			at++
		}
	}
	if at < len(order) {
		t.Errorf("telemetry %s: want %s in this order", got, strings.Join(order, " "))
	}
	if !strings.Contains(got, "platform.telemetrySubscription") || !strings.Contains(got, " extension") {
		t.Errorf("telemetry %s: want the subscription and the extension's own output", got)
	}
	for _, ev := range events {
		switch ev.Type {
		case "platform.report":
			var r struct {
				RequestID string `json:"requestId"`
				Status    string `json:"status"`
				Metrics   struct {
					DurationMs      float64 `json:"durationMs"`
					MemorySizeMB    int     `json:"memorySizeMB"`
					MaxMemoryUsedMB int     `json:"maxMemoryUsedMB"`
					InitDurationMs  float64 `json:"initDurationMs"`
				} `json:"metrics"`
			}
			json.Unmarshal(ev.Record, &r)
			// The extension's 300 ms after the response count in Duration;
			// the cold start's report has its init.
			cold := r.RequestID == requestID(first)
			if r.Status != "success" || r.Metrics.DurationMs < 300 || r.Metrics.MemorySizeMB != 128 ||
				r.Metrics.MaxMemoryUsedMB <= 0 || cold != (r.Metrics.InitDurationMs > 0) {
				t.Errorf("platform.report %s", ev.Record)
			}
		case "platform.runtimeDone":
			var r struct {
				Status  string `json:"status"`
				Metrics struct {
					ProducedBytes int `json:"producedBytes"`
				} `json:"metrics"`
			}
			json.Unmarshal(ev.Record, &r)
			if r.Status != "success" || r.Metrics.ProducedBytes <= 0 {
				t.Errorf("platform.runtimeDone %s", ev.Record)
			}
		case "extension":
			if !strings.Contains(string(ev.Record), "extfn: INVOKE") {
				t.Errorf("extension record %s", ev.Record)
			}
		}
	}
	// REPORT counts the extension's work after the response.
	if m := regexp.MustCompile(`REPORT RequestId: \S+\tDuration: ([0-9.]+) ms`).FindStringSubmatch(d.output.String()); m == nil {
		t.Errorf("no REPORT in the daemon's output:\n%s", d.output)
	} else if ms, _ := strconv.ParseFloat(m[1], 64); ms < 300 {
		t.Errorf("REPORT Duration %s ms, want the extension's 300 ms in it", m[1])
	}

	// Idle eviction shuts the extension down, with the reason.
	testkit.Eventually(t, "SHUTDOWN spindown", func() bool {
		return strings.Contains(d.output.String(), "extfn: SHUTDOWN spindown")
	})
	testkit.Eventually(t, "the sandbox gone", func() bool { return d.sandboxCount() == 0 })
}

// TestServeExtensionCrash: an extension that exits during an invoke resets
// the sandbox with Extension.Crash; the next invoke is a cold start.
func TestServeExtensionCrash(t *testing.T) {
	d := startDaemon(t, "--functions", extensionFunctions(t))
	out, err := d.invoke("extcrash", `{"mode":"echo","text":"hi"}`, func(in *lambda.InvokeInput) { in.LogType = types.LogTypeTail })
	if err != nil {
		t.Fatal(err)
	}
	// The runtime may have answered before the extension crashed: the
	// caller then has its response, and REPORT the crash.
	for deadline := time.Now().Add(testkit.EventuallyTimeout); !strings.Contains(string(out.Payload), "Extension.Crash") &&
		!strings.Contains(d.output.String(), "Error Type: Extension.Crash"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no Extension.Crash: %s\n%s", out.Payload, d.output)
		}
	}
	testkit.Eventually(t, "the sandbox gone", func() bool { return d.sandboxCount() == 0 })
}

// TestServeExtensionOnSpare: a spare's init holds the extensions back with
// the runtime, and starts both when the cold start takes it.
func TestServeExtensionOnSpare(t *testing.T) {
	d := startDaemon(t, "--functions", extensionFunctions(t), "--spares", "2")
	testkit.Eventually(t, "a held spare", d.heldSpare)
	if strings.Contains(d.output.String(), "extfn") {
		t.Fatalf("an extension ran in a spare before any invoke:\n%s", d.output)
	}
	out := mustInvoke(t, d, "ext", `{"mode":"echo","text":"spare"}`)
	if out.FunctionError != nil {
		t.Fatalf("invoke on a spare: %s\n%s", out.Payload, d.output)
	}
	testkit.Eventually(t, "the extension's INVOKE", func() bool {
		return strings.Contains(d.output.String(), "extfn: INVOKE "+requestID(out))
	})
}

// TestServeExtensionTimeout: an extension still working at the function's
// deadline times the invocation out (the caller already has the runtime's
// answer) and gets SHUTDOWN with the reason "timeout".
func TestServeExtensionTimeout(t *testing.T) {
	d := startDaemon(t, "--functions", extensionFunctions(t))
	out := mustInvoke(t, d, "extslow", `{"mode":"echo","text":"slow"}`)
	if out.FunctionError != nil || !strings.Contains(string(out.Payload), `"text":"slow"`) {
		t.Fatalf("invoke: %s\n%s", out.Payload, d.output)
	}
	id := requestID(out)
	for deadline := time.Now().Add(testkit.EventuallyTimeout); ; time.Sleep(10 * time.Millisecond) {
		o := d.output.String()
		if regexp.MustCompile(`REPORT RequestId: `+id+`\t.*Status: timeout`).MatchString(o) && strings.Contains(o, "extfn: SHUTDOWN timeout") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want REPORT with Status: timeout and the extension's SHUTDOWN timeout:\n%s", o)
		}
	}
	testkit.Eventually(t, "the sandbox gone", func() bool { return d.sandboxCount() == 0 })
}
