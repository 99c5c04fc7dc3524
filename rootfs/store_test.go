package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/lambda"
)

// newStore returns a Store in a fresh directory, made from the host rooted at
// host.
func newStore(t *testing.T, host string) *Store {
	t.Helper()
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.host = host
	return s
}

func base(t *testing.T, s *Store, name string) Tree {
	t.Helper()
	tree, err := s.Base(name)
	if err != nil {
		t.Fatalf("Base(%q): %v", name, err)
	}
	return tree
}

// assertMountpoints checks that every mountpoint is a directory in tree,
// and every file mountpoint a file.
func assertMountpoints(t *testing.T, tree string) {
	t.Helper()
	for _, m := range lambda.Mountpoints {
		fi, err := os.Lstat(filepath.Join(tree, m))
		if err != nil || !fi.IsDir() {
			t.Errorf("mountpoint %s: not a directory (%v)", m, err)
		}
	}
	for _, m := range lambda.FileMountpoints {
		fi, err := os.Stat(filepath.Join(tree, m))
		if err != nil || !fi.Mode().IsRegular() {
			t.Errorf("file mountpoint %s: not a file (%v)", m, err)
		}
	}
}

func TestBaseReuses(t *testing.T) {
	for _, name := range []string{Provided, Host} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t, "/")
			first := base(t, s, name)
			second := base(t, s, name)
			if first.Path != second.Path {
				t.Errorf("second Base: %s, want %s", second.Path, first.Path)
			}
			if n := s.builds.Load(); n != 1 {
				t.Errorf("%d builds, want 1", n)
			}

			again, err := NewStore(s.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := base(t, again, name); got.Path != first.Path {
				t.Errorf("new Store: %s, want %s", got.Path, first.Path)
			}
			if n := again.builds.Load(); n != 0 {
				t.Errorf("new Store: %d builds, want 0", n)
			}
			if want := filepath.Join(s.dir, name+"-"); !strings.HasPrefix(first.Path, want) || len(first.Path) != len(want)+12 {
				t.Errorf("path %s, want %s<digest12>", first.Path, want)
			}
		})
	}
}

// TestBaseConcurrent has goroutines of two Stores on one directory (as two
// processes would) race to build the same trees.
func TestBaseConcurrent(t *testing.T) {
	a := newStore(t, "/")
	b, err := NewStore(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{Provided, Host} {
		paths := make([]string, 16)
		errs := make([]error, 16)
		var wg sync.WaitGroup
		for i := range paths {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				var tree Tree
				tree, errs[i] = s.Base(name)
				paths[i] = tree.Path
			})
		}
		wg.Wait()
		for i := range paths {
			if errs[i] != nil {
				t.Fatalf("%s: goroutine %d: %v", name, i, errs[i])
			}
			if paths[i] != paths[0] {
				t.Errorf("%s: goroutine %d got %s, goroutine 0 %s", name, i, paths[i], paths[0])
			}
		}
	}
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Errorf("store holds %v, want one provided and one host tree and no temporary directory", names)
	}
}

func TestBaseNames(t *testing.T) {
	s := newStore(t, "/")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rootLink := filepath.Join(t.TempDir(), "root")
	if err := os.Symlink("/", rootLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want error
	}{
		{"", ErrUnknownBase},
		{"foo", ErrUnknownBase},
		{"Provided", ErrUnknownBase},
		{"tree/x", ErrNotAbsolute},
		{"./x", ErrNotAbsolute},
		{".", ErrNotAbsolute},
		{"/", ErrHostRoot},
		{"/.", ErrHostRoot},
		{rootLink, ErrHostRoot},
		{file, ErrNotDirectory},
		{filepath.Join(t.TempDir(), "missing"), ErrNotExist},
	}
	for _, tt := range tests {
		_, err := s.Base(tt.name)
		if !errors.Is(err, tt.want) {
			t.Errorf("Base(%q) = %v, want %v", tt.name, err, tt.want)
		}
	}

	_, err := s.Base("foo")
	if want := `rootfs "foo": unknown base (want provided, host or an absolute directory)`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestNewStoreRemovesStaleTemp(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, tempPrefix+"host-1")
	fresh := filepath.Join(dir, tempPrefix+"host-2")
	for _, d := range []string{stale, fresh} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := NewStore(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp dir still there (%v)", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp dir (a build in progress) removed: %v", err)
	}
}
