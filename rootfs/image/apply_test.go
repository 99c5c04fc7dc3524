package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// TestUnpack pulls an image whose layers use every kind of entry, then
// checks the tree entry by entry.
func TestUnpack(t *testing.T) {
	if os.Geteuid() != 0 {
		requireRootSkip(t, "unpacking keeps the tar's owners, which needs root")
	}
	lower := testLayer(t, false,
		entry{name: "etc/", typ: tar.TypeDir},
		entry{name: "etc/passwd", body: "root:x:0:0::/root:/bin/sh\n"},
		entry{name: "etc/hosts", typ: tar.TypeSymlink, link: "/run/hosts"},
		entry{name: "tmp", typ: tar.TypeSymlink, link: "/var/tmp"},
		entry{name: "usr/bin/tool", body: "old", mode: 0o750, uid: 1000, gid: 1001},
		entry{name: "usr/bin/tool2", typ: tar.TypeLink, link: "usr/bin/tool"},
		entry{name: "usr/bin/same", typ: tar.TypeLink, link: "./usr/bin/tool"},
		entry{name: "usr/bin/suid", body: "s", mode: 0o6777},
		entry{name: "var/tmp/", typ: tar.TypeDir, mode: 0o1777},
		entry{name: "bin", typ: tar.TypeSymlink, link: "usr/bin"},
		entry{name: "abs", typ: tar.TypeSymlink, link: "/etc/passwd", uid: 7, gid: 8},
		entry{name: "dev/", typ: tar.TypeDir},
		entry{name: "dev/null", typ: tar.TypeChar},
		entry{name: "pipe", typ: tar.TypeFifo},
		entry{name: "a/x", body: "x"},
		entry{name: "a/y/z", body: "z"},
		entry{name: "b/keep", body: "k"},
		entry{name: "b/gone", body: "g"},
		entry{name: "c/f", body: "f"},
		entry{name: "d", body: "file"},
		entry{name: "var/task", body: "a file where a mountpoint goes"},
		entry{name: "top", typ: tar.TypeLink, link: "d"},
	)
	upper := testLayer(t, true,
		entry{name: "a/new", body: "new"}, // before the opaque marker: it stays
		entry{name: "a/.wh..wh..opq"},
		entry{name: "b/.wh.gone"},
		entry{name: ".wh.pipe"}, // a whiteout of nothing
		entry{name: "usr/bin/tool", body: "new", mode: 0o700, uid: 1000, gid: 1001},
		entry{name: "c", body: "now a file"},
		entry{name: "d/", typ: tar.TypeDir, mode: 0o710, uid: 5, gid: 6},
		entry{name: "d/inside", body: "i"},
	)
	reg := newRegistry(t)
	ref := host(reg) + "/kinds:1"
	push(t, ref, testImage(t, runtime.GOARCH, lower, upper))
	s := openStore(t, Options{})
	img, err := s.Pull(bg, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	root := img.Tree.Path
	for rel, want := range map[string]string{
		"etc/passwd":    "root:x:0:0::/root:/bin/sh\n",
		"usr/bin/tool":  "new",
		"usr/bin/tool2": "old", // the hard link kept the lower layer's file
		"a/new":         "new",
		"b/keep":        "k",
		"c":             "now a file",
		"d/inside":      "i",
		"etc/hosts":     "", // a file mountpoint replaced the symlink
		"top":           "file",
	} {
		if got := readTree(t, img, rel); got != want {
			t.Errorf("%s = %q, want %q", rel, got, want)
		}
	}
	for _, rel := range []string{"a/x", "a/y", "b/gone", "dev/null", "pipe", "c/f"} {
		if _, err := os.Lstat(filepath.Join(root, rel)); !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			t.Errorf("%s: want it gone, Lstat says %v", rel, err)
		}
	}
	for rel, want := range map[string]string{"bin": "usr/bin", "abs": "/etc/passwd"} {
		if got, err := os.Readlink(filepath.Join(root, rel)); err != nil || got != want {
			t.Errorf("symlink %s -> %q (%v), want %q", rel, got, err, want)
		}
	}
	checkOwner(t, root, "usr/bin/tool", 0o700, 1000, 1001)
	checkOwner(t, root, "usr/bin/suid", 0o755, 0, 0) // no setuid, setgid, group or other write on the host
	checkOwner(t, root, "var/tmp", 0o755|fs.ModeDir|fs.ModeSticky, 0, 0)
	checkOwner(t, root, "d", 0o710|fs.ModeDir, 5, 6)
	if st := lstat(t, root, "abs"); st.Uid != 7 || st.Gid != 8 {
		t.Errorf("symlink abs owned by %d:%d, want 7:8", st.Uid, st.Gid)
	}
	if a, b := lstat(t, root, "usr/bin/tool2"), lstat(t, root, "usr/bin/same"); a.Ino != b.Ino {
		t.Errorf("usr/bin/same is not a hard link of usr/bin/tool2")
	}
	fi, err := os.Stat(filepath.Join(root, "etc/passwd"))
	if err != nil || !fi.ModTime().Equal(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)) {
		t.Errorf("etc/passwd mtime %v (%v), want the tar's", fi.ModTime(), err)
	}
	for _, m := range lambda.Mountpoints {
		if fi, err := os.Lstat(filepath.Join(root, m)); err != nil || !fi.IsDir() {
			t.Errorf("mountpoint %s is not a directory (%v)", m, err)
		}
	}
	if img.User != "993:990" || img.WorkingDir != "/var/task" || img.Cmd[0] != "app.handler" || img.Entrypoint[0] != "/lambda-entrypoint.sh" || len(img.Env) != 2 {
		t.Errorf("image config = %+v", img)
	}
}

func lstat(t *testing.T, root, rel string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

func checkOwner(t *testing.T, root, rel string, mode fs.FileMode, uid, gid uint32) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode() != mode || st.Uid != uid || st.Gid != gid {
		t.Errorf("%s: %v %d:%d, want %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid, mode, uid, gid)
	}
}

// TestHostileLayers loads images with layers that try to leave the tree:
// each fails, names the layer and the entry, and leaves nothing behind, in
// the store or outside it.
func TestHostileLayers(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		entries []entry
		entry   string // the entry the error names
	}{
		{"dotdot", []entry{{name: "../x", body: "x"}}, "../x"},
		{"dotdot inside", []entry{{name: "a/../../x", body: "x"}}, "a/../../x"},
		{"absolute", []entry{{name: filepath.Join(outside, "abs"), body: "x"}}, filepath.Join(outside, "abs")},
		{"symlink parent", []entry{{name: "link", typ: tar.TypeSymlink, link: outside}, {name: "link/x", body: "x"}}, "link/x"},
		{"symlink parent to root", []entry{{name: "link", typ: tar.TypeSymlink, link: "/"}, {name: "link/etc/x", body: "x"}}, "link/etc/x"},
		{"relative symlink parent", []entry{{name: "up", typ: tar.TypeSymlink, link: "../../../.."}, {name: "up/x", typ: tar.TypeDir}}, "up/x"},
		{"hard link out", []entry{{name: "h", typ: tar.TypeLink, link: "../../" + filepath.Base(outside) + "/secret"}}, "h"},
		{"hard link absolute", []entry{{name: "h", typ: tar.TypeLink, link: secret}}, "h"},
		{"hard link through symlink", []entry{{name: "link", typ: tar.TypeSymlink, link: outside}, {name: "h", typ: tar.TypeLink, link: "link/secret"}}, "h"},
		{"whiteout of ..", []entry{{name: "etc/.wh.."}}, "etc/.wh.."},
		{"whiteout above", []entry{{name: "../.wh.x"}}, "../.wh.x"},
		{"whiteout through symlink", []entry{{name: "link", typ: tar.TypeSymlink, link: outside}, {name: "link/.wh.secret"}}, "link/.wh.secret"},
		{"opaque through symlink", []entry{{name: "link", typ: tar.TypeSymlink, link: outside}, {name: "link/.wh..wh..opq"}}, "link/.wh..wh..opq"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := testLayer(t, false, entry{name: "etc/", typ: tar.TypeDir}, entry{name: "etc/passwd", body: "p"})
			bad := testLayer(t, false, tc.entries...)
			dir := t.TempDir()
			writeLayout(t, dir, testImage(t, runtime.GOARCH, good, bad), "registry.test/hostile:1")
			s := openStore(t, Options{})
			_, err := s.Load(bg, dir, nil)
			if !errors.Is(err, ErrUnsafeLayer) {
				t.Fatalf("Load: %v, want ErrUnsafeLayer", err)
			}
			d, _ := bad.Digest()
			for _, want := range []string{"layer 2 (" + d.String() + ")", "entry " + `"` + tc.entry + `"`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
			assertEmpty(t, s)
			entries, _ := os.ReadDir(outside)
			if len(entries) != 1 {
				t.Errorf("outside the tree: %d entries, want only the secret", len(entries))
			}
			if b, err := os.ReadFile(secret); err != nil || string(b) != "s" {
				t.Errorf("secret: %q, %v", b, err)
			}
			if _, err := os.Lstat(filepath.Join(s.rootfs.Dir(), "..", "x")); err == nil {
				t.Error("../x was written")
			}
		})
	}
}

// TestLimits: an image beyond the size or entry limit fails early, leaving
// nothing.
func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name             string
		maxBytes, maxEnt int64
	}{{"bytes", 10, 100}, {"entries", 1 << 20, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLayer(t, false, entry{name: "a", body: "123456"}, entry{name: "b", body: "123456"}, entry{name: "c"}, entry{name: "d"})
			dir := t.TempDir()
			writeLayout(t, dir, testImage(t, runtime.GOARCH, l), "registry.test/big:1")
			s := openStore(t, Options{})
			s.limits = &struct{ maxBytes, maxEntries int64 }{tc.maxBytes, tc.maxEnt}
			if _, err := s.Load(bg, dir, nil); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Load: %v, want ErrTooLarge", err)
			}
			assertEmpty(t, s)
		})
	}
}

// TestDiffIDMismatch: a layer whose content is not what the config says
// fails.
func TestDiffIDMismatch(t *testing.T) {
	s := openStore(t, Options{})
	b := tarBytes(t, entry{name: "a", body: "a"})
	d := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}
	real, _, _ := v1.SHA256(bytes.NewReader(b))
	if err := s.putBlob(real.String(), bytes.NewReader(b), func(int64) {}); err != nil {
		t.Fatal(err)
	}
	rec := &record{Digest: d.String(), Tree: treeName([]string{d.String()}), Layers: []layer{{Blob: real.String(), DiffID: d.String(), Size: int64(len(b))}}}
	err := s.unpack(bg, "x", rec, nil)
	if !errors.Is(err, ErrInvalidLayer) || !strings.Contains(err.Error(), "config says "+d.String()) {
		t.Fatalf("unpack: %v, want ErrInvalidLayer naming the diffID", err)
	}
}

// writeLayout writes img as an OCI layout in dir, named ref.
func writeLayout(t testing.TB, dir string, img v1.Image, ref string) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{annotationRefName: ref})); err != nil {
		t.Fatal(err)
	}
}

// requireRootSkip skips, or fails when LAMBDAD_REQUIRE_ROOT=1.
func requireRootSkip(t *testing.T, why string) {
	t.Helper()
	if os.Getenv(sandboxtest.RequireRootEnv) == "1" {
		t.Fatalf("not root, and %s=1: %s", sandboxtest.RequireRootEnv, why)
	}
	t.Skipf("SKIPPED: not root: %s", why)
}
