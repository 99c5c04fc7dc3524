package runtimeapi

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCurl drives the server with curl, as shell bootstraps do and as the
// Python and Node runtime clients' libcurl-based core does: curl sends
// "Expect: 100-continue" for large bodies.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("SKIP: no curl on this machine")
	}
	s := listen(t)
	run := func(args ...string) string {
		t.Helper()
		args = append([]string{"-sS", "-D", "-"}, args...)
		out, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return strings.ReplaceAll(string(out), "\r\n", "\n")
	}
	file := func(size int) string {
		p := filepath.Join(t.TempDir(), "body")
		if err := os.WriteFile(p, bytes.Repeat([]byte("z"), size), 0o644); err != nil {
			t.Fatal(err)
		}
		return "@" + p
	}

	inv := startInvoke(s, context.Background(), testInvocation("curl-1"))
	out := run("http://" + addr(s) + nextPath)
	for _, want := range []string{"HTTP/1.1 200 OK", "Lambda-Runtime-Aws-Request-Id: curl-1", "Lambda-Runtime-Deadline-Ms: ", `{"name":"World"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("GET /next: no %q in\n%s", want, out)
		}
	}
	out = run("--data-binary", file(2<<20), "http://"+addr(s)+responsePath("curl-1"))
	if !strings.Contains(out, "HTTP/1.1 202 Accepted") || !strings.HasSuffix(out, accepted) {
		t.Errorf("POST 2 MiB response:\n%s", out)
	}
	if r := receive(t, inv); r.err != nil || r.res.Outcome != Response || len(r.res.Body) != 2<<20 {
		t.Errorf("Invoke = %v, %d bytes, %v", r.res.Outcome, len(r.res.Body), r.err)
	}

	inv = startInvoke(s, context.Background(), testInvocation("curl-2"))
	run("-o", os.DevNull, "http://"+addr(s)+nextPath)
	out = run("--data-binary", file(7<<20), "http://"+addr(s)+responsePath("curl-2"))
	if !strings.Contains(out, "413 Request Entity Too Large") || !strings.HasSuffix(out, tooLarge) {
		t.Errorf("POST 7 MiB response:\n%s", out)
	}
	if r := receive(t, inv); r.res.Outcome != ResponseTooLarge || !strings.Contains(string(r.res.Body), "(7340032 bytes)") {
		t.Errorf("Invoke = %v %s", r.res.Outcome, r.res.Body)
	}
}
