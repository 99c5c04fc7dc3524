package main

import (
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// logsOf runs `lambdad logs` with args on d's state directory.
func (d *served) logsOf(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(lambdad, append([]string{"logs", "--state-dir", filepath.Join(d.dir, "state")}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("lambdad logs %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// tailRequestID is the invocation's id, from its tail's START (or
// platform.start) line.
func tailRequestID(t *testing.T, logResult *string) string {
	t.Helper()
	tail, _ := base64.StdEncoding.DecodeString(*logResult)
	m := regexp.MustCompile(`START RequestId: (\S+)|"requestId":"([^"]+)"`).FindSubmatch(tail)
	if m == nil {
		t.Fatalf("no request id in the tail %q", tail)
	}
	return string(m[1]) + string(m[2])
}

// An invocation's lines are kept in the state directory: `lambdad logs`
// prints START..REPORT of it as the daemon's output has them, -f sees a
// new invocation's lines as they come, and a JSON-format function's lines
// are all JSON (Lambda's platform records, the Python client's records).
func TestServeLogs(t *testing.T) {
	requirePython(t)
	fns := t.TempDir()
	for name, content := range map[string]string{
		"plain/handler.py": "def handler(event, context):\n    print('plain says', event.get('n'))\n    return 1\n",
		"js/handler.py": "import logging\nlog = logging.getLogger('app')\n" +
			"def handler(event, context):\n    log.debug('not at INFO')\n    log.info('js says %s', event.get('n'))\n    return 1\n",
		"js/function.json": `{"Handler":"handler.handler","LoggingConfig":{"LogFormat":"JSON","ApplicationLogLevel":"INFO"}}`,
	} {
		writeTestFile(t, filepath.Join(fns, name), content)
	}
	d := startDaemon(t, "--functions", fns)

	id := tailRequestID(t, mustInvoke(t, d, "plain", `{"n":1}`, tail).LogResult)
	var got string
	testkit.Eventually(t, "lambdad logs to show the invocation's REPORT", func() bool {
		got = d.logsOf(t, "plain")
		return strings.Contains(got, "REPORT RequestId: "+id)
	})
	p := "[plain] " + id[:8] + " "
	want := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(p+"START RequestId: "+id) + `.*\n` +
		regexp.QuoteMeta(p+"plain says 1\n"+p+"END RequestId: "+id+"\n"+p+"REPORT RequestId: "+id+"\t"))
	if !want.MatchString(got) {
		t.Errorf("lambdad logs plain:\n%s\nwant START, the output, END, REPORT of %s", got, id)
	}
	if since := d.logsOf(t, "plain", "--since", "2s", "--timestamps"); since != "" &&
		!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[plain\] `).MatchString(since) {
		t.Errorf("lambdad logs --timestamps:\n%s", since)
	}
	if old := d.logsOf(t, "plain", "--since", "2000-01-01T00:00:00Z"); old != got {
		t.Errorf("--since long ago:\n%s\nwant everything:\n%s", old, got)
	}

	// Since now, not "1ms": the invocation may well be over before the
	// command has started.
	var follow testkit.Buffer
	now := time.Now().UTC().Format(time.RFC3339Nano)
	f := exec.Command(lambdad, "logs", "plain", "-f", "--since", now, "--state-dir", filepath.Join(d.dir, "state"))
	f.Stdout, f.Stderr = &follow, &follow
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	defer f.Process.Kill()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("lambdad logs -f wrote:\n%s", follow.String())
		}
	})
	id2 := tailRequestID(t, mustInvoke(t, d, "plain", `{"n":2}`, tail).LogResult)
	testkit.Eventually(t, "lambdad logs -f to show the new invocation's REPORT", func() bool {
		return strings.Contains(follow.String(), "REPORT RequestId: "+id2)
	})
	f.Process.Signal(syscall.SIGINT)
	if err := f.Wait(); err != nil {
		t.Errorf("lambdad logs -f on SIGINT: %v", err)
	}
	if out := follow.String(); !strings.Contains(out, "plain says 2") || strings.Contains(out, "RequestId: "+id+"\n") {
		t.Errorf("lambdad logs -f:\n%s\nwant the second invocation's lines only", out)
	}

	jid := tailRequestID(t, mustInvoke(t, d, "js", `{"n":3}`, tail).LogResult)
	testkit.Eventually(t, "lambdad logs to show the JSON function's report", func() bool {
		got = d.logsOf(t, "js")
		return strings.Contains(got, `"platform.report"`)
	})
	var types []string
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		rest, ok := strings.CutPrefix(line, "[js] "+jid[:8]+" ")
		var rec struct {
			Type, Level, Message, RequestID string
		}
		if !ok || json.Unmarshal([]byte(rest), &rec) != nil {
			t.Errorf("a JSON function's line is not JSON: %q", line)
			continue
		}
		types = append(types, rec.Type+rec.Level)
		if rec.Level != "" && (rec.Message != "js says 3" || rec.RequestID != jid) {
			t.Errorf("application record %q", rest)
		}
	}
	if strings.Join(types, ",") != "platform.start,INFO,platform.runtimeDone,platform.report" {
		t.Errorf("records %v, want the start, one INFO record (DEBUG filtered), runtimeDone, report:\n%s", types, got)
	}
}
