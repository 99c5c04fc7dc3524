package main

import (
	"bufio"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/internal/testkit"
)

// metricsListen is the daemon's log line of its metrics listener.
var metricsListen = regexp.MustCompile(`msg="serving metrics" listen=(\S+)`)

// scrapeMetrics is d's /metrics as series -> value.
func scrapeMetrics(t *testing.T, d *served) map[string]string {
	t.Helper()
	var addr string
	testkit.Eventually(t, "the metrics listener's log line", func() bool {
		m := metricsListen.FindStringSubmatch(d.output.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	series := map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			series[line[:i]] = line[i+1:]
		}
	}
	return series
}

// Metrics end to end: a daemon with --metrics-listen counts a cold start,
// an Event invocation, a function error, a timeout and the cold start
// after it, exactly, and exposes its gauges and its own process's metrics.
func TestServeMetrics(t *testing.T) {
	d := startDaemon(t, "--metrics-listen", "127.0.0.1:0")
	mustInvoke(t, d, "gofn", `{"text":"cold"}`)
	if _, err := d.invoke("gofn", `{"text":"async"}`, func(in *lambda.InvokeInput) { in.InvocationType = types.InvocationTypeEvent }); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the Event invocation counted", func() bool {
		return scrapeMetrics(t, d)[`lambdad_invocations_total{function="gofn",type="event"}`] == "1"
	})
	if out := mustInvoke(t, d, "gofn", `{"mode":"error"}`); errorType(t, out) != "errorString" {
		t.Fatalf("error type %q", errorType(t, out))
	}
	if out := mustInvoke(t, d, "gofn", `{"mode":"sleep","ms":10000}`); errorType(t, out) != "Sandbox.Timedout" {
		t.Fatalf("error type %q, want a timeout", errorType(t, out))
	}
	mustInvoke(t, d, "gofn", `{"text":"cold again"}`)

	got := scrapeMetrics(t, d)
	for series, want := range map[string]string{
		`lambdad_invocations_total{function="gofn",type="sync"}`:                "4",
		`lambdad_invocations_total{function="gofn",type="event"}`:               "1",
		`lambdad_starts_total{function="gofn",kind="cold"}`:                     "2",
		`lambdad_starts_total{function="gofn",kind="warm"}`:                     "3",
		`lambdad_errors_total{error_type="errorString",function="gofn"}`:        "1",
		`lambdad_errors_total{error_type="Sandbox.Timedout",function="gofn"}`:   "1",
		`lambdad_invocation_duration_seconds_count{function="gofn"}`:            "5",
		`lambdad_init_duration_seconds_count{function="gofn"}`:                  "2",
		`lambdad_cold_start_phase_seconds_count{phase="create"}`:                "2",
		`lambdad_cold_start_phase_seconds_count{phase="start"}`:                 "2",
		`lambdad_cold_start_phase_seconds_count{phase="init"}`:                  "2",
		`lambdad_sandboxes{state="idle"}`:                                       "1",
		`lambdad_sandboxes{state="busy"}`:                                       "0",
		`lambdad_sandboxes{state="starting"}`:                                   "0",
		`lambdad_sandboxes{state="provisioned"}`:                                "0",
		`lambdad_spares`:                                                        "0",
		`lambdad_async_queue_depth`:                                             "0",
		`lambdad_memory_budget_used_bytes`:                                      "1.073741824e+09",  // gofn's 1024 MB
		`lambdad_memory_budget_limit_bytes`:                                     "6.8719476736e+10", // --memory-budget 65536
		`lambdad_invocation_duration_seconds_bucket{function="gofn",le="+Inf"}`: "5",
	} {
		if got[series] != want {
			t.Errorf("%s = %q, want %q", series, got[series], want)
		}
	}
	for _, series := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if got[series] == "" {
			t.Errorf("no %s", series)
		}
	}
	if t.Failed() {
		t.Logf("daemon output:\n%s", d.output)
	}
	// No series of a function the test did not invoke.
	for series := range got {
		if strings.HasPrefix(series, "lambdad_") && strings.Contains(series, "function=") && !strings.Contains(series, `function="gofn"`) {
			t.Errorf("unexpected series %s", series)
		}
	}
}
