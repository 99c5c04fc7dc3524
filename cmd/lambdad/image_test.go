package main

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lambdad/lambdad/internal/testkit"
)

// oneFileImage is an image for this host holding the file hello.
func oneFileImage(t *testing.T, hello string) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o644, Size: int64(len(hello)), Typeflag: tar.TypeReg})
	io.WriteString(tw, hello)
	tw.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// lambdadImage runs `lambdad image ARGS --state-dir DIR`, the subcommand
// first, and returns its stdout; it fails the test if the command fails.
func lambdadImage(t *testing.T, stateDir string, args ...string) string {
	t.Helper()
	full := append([]string{"image", args[0], "--state-dir", stateDir}, args[1:]...)
	cmd := exec.Command(lambdad, full...)
	var stdout, stderr testkit.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("lambdad %v: %v\n%s", full, err, stderr.String())
	}
	return stdout.String()
}

// TestImageCommands pulls, loads, lists, removes and prunes images with the
// built lambdad, against an in-process registry and a temporary state
// directory.
func TestImageCommands(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	ref := host + "/fn:1"
	r, _ := name.ParseReference(ref)
	if err := remote.Write(r, oneFileImage(t, "pulled")); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()

	// pull, on a pipe: plain progress lines on stderr.
	cmd := exec.Command(lambdad, "image", "pull", "--state-dir", state, ref)
	var stdout, stderr testkit.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("image pull: %v\n%s", err, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), ref+" sha256:") {
		t.Errorf("pull printed %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), " downloaded: ") || !strings.Contains(stderr.String(), " unpacked") || strings.Contains(stderr.String(), "\x1b[") {
		t.Errorf("pull's progress on a pipe:\n%s", stderr.String())
	}
	tree := filepath.Join(state, "rootfs")
	trees, _ := filepath.Glob(filepath.Join(tree, "image-*", "hello"))
	if len(trees) != 1 {
		t.Fatalf("trees with hello: %v", trees)
	}
	if b, _ := os.ReadFile(trees[0]); string(b) != "pulled" {
		t.Errorf("hello = %q", b)
	}

	// load a docker save tarball.
	tag, _ := name.NewTag("registry.test/loaded:2")
	file := filepath.Join(t.TempDir(), "saved.tar")
	if err := tarball.WriteToFile(file, tag, oneFileImage(t, "loaded")); err != nil {
		t.Fatal(err)
	}
	if out := lambdadImage(t, state, "load", file); !strings.HasPrefix(out, "registry.test/loaded:2 sha256:") {
		t.Errorf("load printed %q", out)
	}

	ls := lambdadImage(t, state, "ls")
	for _, want := range []string{"REFERENCE", ref, "registry.test/loaded:2", tree} {
		if !strings.Contains(ls, want) {
			t.Errorf("ls lacks %q:\n%s", want, ls)
		}
	}

	// rm untags; prune then frees what only the untagged image used.
	if out := lambdadImage(t, state, "rm", ref); out != "untagged "+ref+"\n" {
		t.Errorf("rm printed %q", out)
	}
	if ls := lambdadImage(t, state, "ls"); !strings.Contains(ls, "<none>") {
		t.Errorf("ls after rm:\n%s", ls)
	}
	pruned := lambdadImage(t, state, "prune")
	if strings.Count(pruned, "removed ") != 3 {
		t.Errorf("prune printed %q, want the image, its tree and its layer", pruned)
	}
	if ls := lambdadImage(t, state, "ls"); strings.Contains(ls, "<none>") || !strings.Contains(ls, "registry.test/loaded:2") {
		t.Errorf("ls after prune:\n%s", ls)
	}

	// An image never pulled: a clear error and status 1.
	cmd = exec.Command(lambdad, "image", "rm", "--state-dir", state, "nothing:here")
	out, err := cmd.CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "image not found") {
		t.Errorf("rm of an unknown image: status %d, %s", code, out)
	}
}

// TestImagePullTerminal: on a terminal, pull draws live bars.
func TestImagePullTerminal(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/fn:1"
	r, _ := name.ParseReference(ref)
	if err := remote.Write(r, oneFileImage(t, "tty")); err != nil {
		t.Fatal(err)
	}
	master, slave := openPty(t)
	var seen testkit.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&seen, master)
		close(copied)
	}()
	cmd := exec.Command(lambdad, "image", "pull", "--state-dir", t.TempDir(), ref)
	cmd.Stderr = slave
	err := cmd.Run()
	slave.Close()
	<-copied
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, seen.String())
	}
	if !strings.Contains(seen.String(), "\x1b[2K") || !strings.Contains(seen.String(), "[==============================]") {
		t.Errorf("no live bar on the terminal:\n%q", seen.String())
	}
}
