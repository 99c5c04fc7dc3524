package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestLoadDockerSave loads a docker save tarball of two images, one with
// two tags; every tag is then found without a pull.
func TestLoadDockerSave(t *testing.T) {
	a, b := helloImage(t, "a"), helloImage(t, "b")
	file := filepath.Join(t.TempDir(), "images.tar")
	refs := map[name.Reference]v1.Image{}
	for ref, img := range map[string]v1.Image{"fn-a:1": a, "registry.test/team/fn-a:prod": a, "fn-b:latest": b} {
		r, _ := name.ParseReference(ref)
		refs[r] = img
	}
	if err := tarball.MultiRefWriteToFile(file, refs); err != nil {
		t.Fatal(err)
	}
	for _, gz := range []bool{false, true} {
		in := file
		if gz {
			in = gzipFile(t, file)
		}
		s := openStore(t, Options{})
		imgs, err := s.Load(bg, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(imgs) != 2 {
			t.Fatalf("loaded %d images, want 2", len(imgs))
		}
		for ref, want := range map[string]string{"fn-a:1": "a", "registry.test/team/fn-a:prod": "a", "fn-b": "b"} {
			img, err := s.Get(ref)
			if err != nil {
				t.Fatalf("Get(%s): %v", ref, err)
			}
			if got := readTree(t, img, "hello"); got != want {
				t.Errorf("%s: hello = %q, want %q", ref, got, want)
			}
			if id, _ := map[string]v1.Image{"a": a, "b": b}[want].ConfigName(); img.Digest != id.String() {
				t.Errorf("%s: digest %s, want the image ID %s", ref, img.Digest, id)
			}
		}
	}
}

func gzipFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write(b)
	z.Close()
	out := file + ".gz"
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoadLayout loads an OCI layout, as a directory and as a tar: an image
// named with a full reference, a multi-arch index, and an image with only a
// bare tag (kept by digest).
func TestLoadLayout(t *testing.T) {
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	named := helloImage(t, "named")
	if err := p.AppendImage(named, layout.WithAnnotations(map[string]string{annotationImageName: "docker.io/library/fn:1", annotationRefName: "1"})); err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: testImage(t, other, testLayer(t, false, entry{name: "arch", body: other})),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: other}}},
		mutate.IndexAddendum{Add: testImage(t, runtime.GOARCH, testLayer(t, false, entry{name: "arch", body: runtime.GOARCH})),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}}},
	)
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{annotationRefName: "registry.test/multi:2"})); err != nil {
		t.Fatal(err)
	}
	bare := helloImage(t, "bare")
	if err := p.AppendImage(bare, layout.WithAnnotations(map[string]string{annotationRefName: "latest"})); err != nil {
		t.Fatal(err)
	}
	bareDigest, _ := bare.Digest()

	for _, in := range []string{dir, tarDir(t, dir)} {
		s := openStore(t, Options{})
		imgs, err := s.Load(bg, in, nil)
		if err != nil {
			t.Fatalf("Load(%s): %v", in, err)
		}
		var refs []string
		for _, img := range imgs {
			refs = append(refs, img.Ref)
		}
		slices.Sort(refs)
		want := []string{"index.docker.io/library/fn:1", "registry.test/multi:2", bareDigest.String()}
		slices.Sort(want)
		if !slices.Equal(refs, want) {
			t.Errorf("loaded %v, want %v", refs, want)
		}
		if img, err := s.Get("fn:1"); err != nil || readTree(t, img, "hello") != "named" {
			t.Errorf("Get(fn:1): %+v, %v", img, err)
		}
		if img, err := s.Get("registry.test/multi:2"); err != nil || readTree(t, img, "arch") != runtime.GOARCH {
			t.Errorf("Get(registry.test/multi:2): %+v, %v", img, err)
		}
		if img, err := s.Get(bareDigest.String()); err != nil || readTree(t, img, "hello") != "bare" {
			t.Errorf("Get(%s): %+v, %v", bareDigest, img, err)
		}
		// Ensure finds a loaded image without a registry.
		if _, err := s.Ensure(bg, "registry.test/multi:2", nil); err != nil {
			t.Errorf("Ensure of a loaded image: %v", err)
		}
		if entries, _ := os.ReadDir(s.dir); slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name()[0] == '.' }) {
			t.Errorf("temporary files left in %s: %v", s.dir, entries)
		}
	}
}

// tarDir writes dir as a tar file.
func tarDir(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "layout.tar")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out
}

func TestLoadRefuses(t *testing.T) {
	s := openStore(t, Options{})
	junk := filepath.Join(t.TempDir(), "junk.tar")
	os.WriteFile(junk, tarBytes(t, entry{name: "hello", body: "x"}), 0o644)
	if _, err := s.Load(bg, junk, nil); err == nil {
		t.Error("Load of a tar of neither kind worked")
	}
	if _, err := s.Load(bg, filepath.Join(t.TempDir(), "missing.tar"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file: %v", err)
	}
	// A layout tar with an entry leaving the directory.
	evil := filepath.Join(t.TempDir(), "evil.tar")
	os.WriteFile(evil, tarBytes(t, entry{name: "oci-layout", body: "{}"}, entry{name: "index.json", body: "{}"}, entry{name: "../../escape", body: "x"}), 0o644)
	if _, err := s.Load(bg, evil, nil); !errors.Is(err, ErrUnsafeLayer) {
		t.Errorf("Load of a layout tar with ../: %v, want ErrUnsafeLayer", err)
	}
	assertEmpty(t, s)
}
