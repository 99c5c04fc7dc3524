package image

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzApply applies arbitrary bytes as a layer (two layers, so whiteouts
// meet a lower one) and checks nothing was written outside the tree: the
// directory around it holds only the tree and an untouched sentinel.
func FuzzApply(f *testing.F) {
	seeds := [][]entry{
		{{name: "a/b", body: "x"}, {name: "l", typ: tar.TypeSymlink, link: "/"}, {name: "h", typ: tar.TypeLink, link: "a/b"}},
		{{name: "../x", body: "x"}},
		{{name: "l", typ: tar.TypeSymlink, link: ".."}, {name: "l/x", body: "x"}},
		{{name: "l", typ: tar.TypeSymlink, link: "../sentinel"}, {name: "h", typ: tar.TypeLink, link: "l"}},
		{{name: "d/", typ: tar.TypeDir}, {name: "d/.wh..wh..opq"}, {name: ".wh.d"}, {name: "d/.wh.."}},
		{{name: "x", body: "1"}, {name: "x/", typ: tar.TypeDir}, {name: "x/y", typ: tar.TypeSymlink, link: "../../.."}},
	}
	for _, s := range seeds {
		f.Add(tarBytes(f, s...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		around := t.TempDir()
		sentinel := filepath.Join(around, "sentinel")
		if err := os.WriteFile(sentinel, []byte("s"), 0o644); err != nil {
			t.Fatal(err)
		}
		tree := filepath.Join(around, "tree")
		if err := os.Mkdir(tree, 0o755); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(tree)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		a := newApplier(root)
		a.maxBytes, a.maxEntries = 1<<20, 1000
		lower := tarBytes(t, entry{name: "d/f", body: "f"}, entry{name: "x", body: "x"})
		if err := a.apply(bg, bytes.NewReader(lower)); err != nil {
			t.Fatal(err)
		}
		a.apply(bg, bytes.NewReader(data)) // errors are fine; escapes are not
		entries, err := os.ReadDir(around)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("outside the tree: %v", entries)
		}
		b, err := os.ReadFile(sentinel)
		if err != nil || string(b) != "s" {
			t.Fatalf("sentinel: %q %v", b, err)
		}
		if fi, err := os.Lstat(sentinel); err != nil || fi.Sys() == nil || !fi.Mode().IsRegular() {
			t.Fatalf("sentinel: %v", err)
		}
		// No hard link in the tree shares the sentinel's inode.
		st, _ := os.Stat(sentinel)
		filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := os.Lstat(p); err == nil && os.SameFile(fi, st) {
					t.Fatalf("%s is a hard link of the sentinel", strings.TrimPrefix(p, tree))
				}
			}
			return nil
		})
	})
}
