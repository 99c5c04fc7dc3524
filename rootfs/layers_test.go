package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func readTree(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestUnpackLayers merges a zip layer and a directory layer: the later
// layer's file wins, and the order names a different tree.
func TestUnpackLayers(t *testing.T) {
	s := newStore(t, "/")
	src := t.TempDir()
	zipLayer := writeFile(t, src, "one.zip", makeZip(t,
		zent{name: "python/one.py", data: "ONE = 1\n"},
		zent{name: "shared.txt", data: "one"},
		zent{name: "bin/tool", mode: 0o755, data: "#!/bin/sh\n"},
	))
	dirLayer := filepath.Join(src, "two")
	writeFile(t, dirLayer, "python/two.py", []byte("TWO = 2\n"))
	writeFile(t, dirLayer, "shared.txt", []byte("two"))
	if err := os.Symlink("shared.txt", filepath.Join(dirLayer, "link")); err != nil {
		t.Fatal(err)
	}

	pkg, err := s.Unpack("", []string{zipLayer, dirLayer})
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Code != "" || !strings.HasPrefix(pkg.Opt, filepath.Join(s.dir, "opt-")) {
		t.Errorf("Unpack = %+v, want only an opt tree", pkg)
	}
	if got := readTree(t, pkg.Opt, "shared.txt"); got != "two" {
		t.Errorf("shared.txt = %q, want the later layer's", got)
	}
	for _, name := range []string{"python/one.py", "python/two.py"} {
		readTree(t, pkg.Opt, name)
	}
	assertMode(t, filepath.Join(pkg.Opt, "bin/tool"), 0o755)
	if target, err := os.Readlink(filepath.Join(pkg.Opt, "link")); err != nil || target != "shared.txt" {
		t.Errorf("link -> %q (%v)", target, err)
	}
	if want := int64(len("ONE = 1\n#!/bin/sh\nTWO = 2\ntwo")); pkg.Size != want {
		t.Errorf("size %d, want %d (a replaced file counts once)", pkg.Size, want)
	}

	reversed, err := s.Unpack("", []string{dirLayer, zipLayer})
	if err != nil {
		t.Fatal(err)
	}
	if reversed.Opt == pkg.Opt || readTree(t, reversed.Opt, "shared.txt") != "one" {
		t.Errorf("reversed layers: %s, want another tree whose shared.txt is the zip's", reversed.Opt)
	}

	// A directory layer that changes gives a new tree at the next Unpack.
	writeFile(t, dirLayer, "python/three.py", []byte("3"))
	changed, err := s.Unpack("", []string{zipLayer, dirLayer})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Opt == pkg.Opt {
		t.Errorf("changed directory layer: same tree %s", changed.Opt)
	}
	readTree(t, changed.Opt, "python/three.py")
	if n := s.builds.Load(); n != 3 {
		t.Errorf("%d builds, want 3", n)
	}
}

func TestUnpackLayersRefuse(t *testing.T) {
	s := newStore(t, "/")
	s.maxUnzipped = 100
	src := t.TempDir()
	outside := t.TempDir()
	linkOut := writeFile(t, src, "linkout.zip", makeZip(t, zent{name: "python", mode: fs.ModeSymlink, data: outside}))
	under := writeFile(t, src, "under.zip", makeZip(t, zent{name: "python/evil.py", data: "x"}))
	file := writeFile(t, src, "file.zip", makeZip(t, zent{name: "python", data: "x"}))
	dir := writeFile(t, src, "dir.zip", makeZip(t, zent{name: "python/ok.py", data: "x"}))
	big := writeFile(t, src, "big.zip", makeZip(t, zent{name: "big", data: strings.Repeat("x", 60)}))
	code := writeFile(t, src, "code.zip", makeZip(t, zent{name: "code", data: strings.Repeat("x", 60)}))
	fifoDir := filepath.Join(src, "fifo")
	if err := os.Mkdir(fifoDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(fifoDir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		code   string
		layers []string
		want   error
		names  string
	}{
		{"through an earlier layer's symlink", "", []string{linkOut, under}, ErrUnsafeEntry, under},
		{"file over a directory", "", []string{dir, file}, ErrEntryConflict, file},
		{"directory over a file", "", []string{file, dir}, ErrEntryConflict, dir},
		{"a fifo in a directory layer", "", []string{fifoDir}, ErrUnsafeEntry, fifoDir},
		{"code and layers over the limit", code, []string{big}, ErrTooLarge, "262144000"},
		{"missing layer", "", []string{filepath.Join(src, "missing.zip")}, fs.ErrNotExist, "missing.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Unpack(tt.code, tt.layers)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.names) {
				t.Fatalf("Unpack = %v, want %v naming %s", err, tt.want, tt.names)
			}
			for _, e := range mustReadDir(t, s.dir) {
				if !strings.HasPrefix(e.Name(), "code-") { // the code tree alone is fine
					t.Errorf("left in the store: %s", e.Name())
				}
			}
		})
	}
	if entries := mustReadDir(t, outside); len(entries) != 0 {
		t.Errorf("written through the symlink: %v", entries)
	}
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
