package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// entry is one tar entry of a test layer.
type entry struct {
	name     string
	typ      byte // tar.TypeReg if zero
	body     string
	link     string // symlink or hard link target
	mode     int64
	uid, gid int
}

// tarBytes writes entries as a tar.
func tarBytes(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: mtime, Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
			if hdr.Typeflag == tar.TypeDir {
				hdr.Mode = 0o755
			}
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testLayer is a gzipped (or, with zstd, zstd-compressed) layer of entries.
func testLayer(t testing.TB, zstd bool, entries ...entry) v1.Layer {
	t.Helper()
	b := tarBytes(t, entries...)
	var opts []tarball.LayerOption
	if zstd {
		opts = append(opts, tarball.WithCompression(compression.ZStd))
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testImage is an image of layers for arch, with a Lambda-like config.
func testImage(t testing.TB, arch string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	cf.Config.Entrypoint = []string{"/lambda-entrypoint.sh"}
	cf.Config.Cmd = []string{"app.handler"}
	cf.Config.Env = []string{"PATH=/usr/bin:/bin", "LAMBDA_TASK_ROOT=/var/task"}
	cf.Config.WorkingDir = "/var/task"
	cf.Config.User = "993:990"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// helloImage is a small image for this host: /hello, /bin/sh (a file).
func helloImage(t testing.TB, body string) v1.Image {
	return testImage(t, runtime.GOARCH,
		testLayer(t, false, entry{name: "bin/", typ: tar.TypeDir}, entry{name: "bin/sh", body: "#!fake", mode: 0o755}),
		testLayer(t, true, entry{name: "hello", body: body}),
	)
}

// newRegistry starts an in-process registry on loopback.
func newRegistry(t testing.TB) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return srv
}

func host(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

// push writes img to ref (on a loopback registry, reached over HTTP).
func push(t testing.TB, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

// openStore opens a store in a fresh state directory.
func openStore(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.StateDir == "" {
		opts.StateDir = t.TempDir()
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readTree(t testing.TB, img Image, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(img.Tree.Path, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertEmpty checks that the store keeps nothing: no image trees, no
// temporary trees, no blobs, no records.
func assertEmpty(t testing.TB, s *Store) {
	t.Helper()
	entries, _ := os.ReadDir(s.rootfs.Dir())
	for _, e := range entries {
		t.Errorf("left in the rootfs store: %s", e.Name())
	}
	blobs, _ := os.ReadDir(filepath.Join(s.dir, "blobs", "sha256"))
	for _, e := range blobs {
		t.Errorf("left in the blobs: %s", e.Name())
	}
	top, _ := os.ReadDir(s.dir)
	for _, e := range top {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			t.Errorf("left in the image store: %s", e.Name())
		}
	}
	ix, err := s.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Images) != 0 || len(ix.Refs) != 0 {
		t.Errorf("records left: %+v", ix)
	}
}

var bg = context.Background()
