package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDirectory(t *testing.T) {
	dir := t.TempDir()
	mkdir(t, dir, "proc", 0o555)
	mkdir(t, dir, "usr/bin", 0o755)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}

	s := newStore(t, "/")
	for _, name := range []string{dir, link} {
		tree := base(t, s, name)
		if tree.Path != dir || len(tree.Binds) != 0 {
			t.Errorf("Base(%q) = %+v, want path %s and no binds", name, tree, dir)
		}
		assertMountpoints(t, dir)
	}
	if fi, err := os.Stat(filepath.Join(dir, "proc")); err != nil || fi.Mode().Perm() != 0o555 {
		t.Errorf("existing /proc changed: %v (%v)", fi.Mode(), err)
	}
}

func TestDirectoryMountpointErrors(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"file in the way", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "var"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"mountpoint is a file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "opt"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink out of the tree", func(t *testing.T, dir string) {
			if err := os.Symlink(outside, filepath.Join(dir, "var")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	s := newStore(t, "/")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			if _, err := s.Base(dir); !errors.Is(err, ErrMountpoint) {
				t.Errorf("Base = %v, want %v", err, ErrMountpoint)
			}
		})
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("created %v outside the tree", entries)
	}
}
