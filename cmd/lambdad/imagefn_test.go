package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lambdad/lambdad/internal/testimage"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// gofnImage is an image shaped like AWS's base images whose runtime is
// gofn, with /var/task/app.txt.
func gofnImage(t *testing.T) v1.Image {
	t.Helper()
	bb, err := os.ReadFile(sandboxtest.Busybox)
	if err != nil {
		t.Skipf("SKIPPED: %s (apt-get install busybox-static; scripts/deps.sh does): %v", sandboxtest.Busybox, err)
	}
	rt, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.AWSShaped(bb, rt, map[string]string{"app.txt": "from the image"})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// writeFunction writes dir/name/function.json.
func writeFunction(t *testing.T, dir, name string, config any) {
	t.Helper()
	data, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "function.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// gofnSays invokes gofn in fn with mode and text and returns its text.
func gofnSays(t *testing.T, d *served, fn, mode, text string) string {
	t.Helper()
	payload, _ := json.Marshal(map[string]string{"mode": mode, "text": text})
	out := mustInvoke(t, d, fn, string(payload))
	var r struct{ Text string }
	if out.FunctionError != nil || json.Unmarshal(out.Payload, &r) != nil {
		t.Fatalf("%s %s %s: %s %s", fn, mode, text, strOf(out.FunctionError), out.Payload)
	}
	return r.Text
}

func strOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// An image function pulled from a registry runs as Lambda runs it: the
// image's entrypoint with its CMD as the handler, in its WORKDIR, its ENV
// under the function's variables, on its own /var/task; ImageConfig
// replaces CMD and WORKDIR.
func TestServeImageFunction(t *testing.T) {
	sandboxtest.RequireRoot(t)
	host := testimage.Serve(t, map[string]v1.Image{"fn:v1": gofnImage(t)})
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	writeFunction(t, dir, "img", map[string]any{"PackageType": "Image", "ImageUri": host + "/fn:v1",
		"Environment": map[string]any{"Variables": map[string]string{"FN_VAR": "from-function"}}})
	writeFunction(t, dir, "img2", map[string]any{"PackageType": "Image", "ImageUri": host + "/fn:v1",
		"ImageConfig": map[string]any{"Command": []string{"other.handler"}, "WorkingDirectory": "/tmp"}})
	d := startDaemon(t, "--functions", dir)
	for _, c := range []struct{ fn, mode, text, want string }{
		{"img", "env", "_HANDLER", "app.handler"},
		{"img", "env", "IMAGE_VAR", "from-image"},
		{"img", "env", "FN_VAR", "from-function"},
		{"img", "env", "AWS_LAMBDA_FUNCTION_NAME", "img"},
		{"img", "cwd", "", "/var/task"},
		{"img", "read", "/var/task/app.txt", "from the image"},
		{"img2", "env", "_HANDLER", "other.handler"},
		{"img2", "cwd", "", "/tmp"},
	} {
		if got := gofnSays(t, d, c.fn, c.mode, c.text); got != c.want {
			t.Errorf("%s %s %s = %q, want %q", c.fn, c.mode, c.text, got, c.want)
		}
	}
	if !strings.Contains(d.output.String(), "REPORT RequestId") {
		t.Errorf("no REPORT line in the output:\n%s", d.output)
	}
}

// An image loaded from a docker-save tarball with lambdad image load is
// used without a pull: its registry does not exist.
func TestServeImageLoadedOffline(t *testing.T) {
	sandboxtest.RequireRoot(t)
	img := gofnImage(t)
	dir := sandboxtest.TempDir(t)
	tag, err := name.NewTag("offline.invalid/lambda/fn:v1")
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "fn.tar")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lambdad, "image", "load", "--state-dir", filepath.Join(dir, "state"), archive).CombinedOutput()
	if err != nil {
		t.Fatalf("lambdad image load: %v\n%s", err, out)
	}
	fns := filepath.Join(dir, "functions")
	writeFunction(t, fns, "offline", map[string]any{"PackageType": "Image", "ImageUri": tag.String()})
	d := startDaemonIn(t, dir, "--functions", fns)
	if got := gofnSays(t, d, "offline", "read", "/var/task/app.txt"); got != "from the image" {
		t.Errorf("read /var/task/app.txt = %q", got)
	}
}

// A zip function of a managed runtime runs on the runtime's base image
// (here named with --runtime-image, served from a registry), its code at
// /var/task and its Handler given to the image's entrypoint.
func TestServeRuntimeImage(t *testing.T) {
	sandboxtest.RequireRoot(t)
	host := testimage.Serve(t, map[string]v1.Image{"lambda/python:3.12": gofnImage(t)})
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	writeFunction(t, dir, "py", map[string]any{"Runtime": "python3.12", "Handler": "app.lambda_handler"})
	if err := os.WriteFile(filepath.Join(dir, "py", "app.py"), []byte("def lambda_handler(e, c): pass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--functions", dir, "--runtime-image", "python3.12="+host+"/lambda/python:3.12")
	if got := gofnSays(t, d, "py", "env", "_HANDLER"); got != "app.lambda_handler" {
		t.Errorf("_HANDLER = %q", got)
	}
	if got := gofnSays(t, d, "py", "read", "/var/task/app.py"); !strings.Contains(got, "def lambda_handler") {
		t.Errorf("/var/task/app.py = %q: the function's code is not at /var/task", got)
	}
	if got := gofnSays(t, d, "py", "env", "AWS_EXECUTION_ENV"); got != "AWS_Lambda_python3.12" {
		t.Errorf("AWS_EXECUTION_ENV = %q", got)
	}
	if !strings.Contains(d.output.String(), "base image") {
		t.Errorf("the daemon's log does not say which image python3.12 runs on:\n%s", d.output)
	}
}
