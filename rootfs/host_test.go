package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestHost builds the host tree of the machine the test runs on.
func TestHost(t *testing.T) {
	s := newStore(t, "/")
	tree := base(t, s, Host)
	assertMountpoints(t, tree.Path)
	assertModes(t, tree.Path)
	if !slices.Contains(tree.Binds, Bind{Source: "/usr", Destination: "/usr"}) {
		t.Errorf("binds %v lack /usr", tree.Binds)
	}
	if target, err := os.Readlink("/bin"); err == nil {
		if got, err := os.Readlink(filepath.Join(tree.Path, "bin")); err != nil || got != target {
			t.Errorf("/bin: %q (%v), want a symlink to %q as on the host", got, err, target)
		}
	}
	if _, err := os.Stat("/etc/ld.so.cache"); err == nil {
		if _, err := os.Stat(filepath.Join(tree.Path, "etc/ld.so.cache")); err != nil {
			t.Errorf("no ld.so.cache: %v", err)
		}
	}
	for _, name := range []string{"etc/shadow", "etc/gshadow", "etc/ssl/private"} {
		if _, err := os.Lstat(filepath.Join(tree.Path, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s copied (%v)", name, err)
		}
	}
	assertContains(t, tree.Path, "/etc/passwd", "sbx_user1051:x:993:990::/tmp:/sbin/nologin\n")
}

// TestHostFake builds the host tree of a made-up host, then changes the host.
func TestHostFake(t *testing.T) {
	host := t.TempDir()
	for _, d := range []string{"usr/bin", "lib", "etc/ssl/certs", "etc/ssl/private", "etc/python3.11", "etc/alternatives", "etc/ld.so.conf.d"} {
		mkdir(t, host, d, 0o755)
	}
	for name, target := range map[string]string{
		"bin":                     "usr/bin",
		"lib64":                   "/usr/lib64",
		"etc/ssl/certs/ab12.0":    "Some_Root.pem",
		"etc/alternatives/python": "/usr/bin/python3.11",
		"etc/localtime":           "/usr/share/zoneinfo/Etc/UTC",
	} {
		if err := os.Symlink(target, filepath.Join(host, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, mode := range map[string]fs.FileMode{
		"etc/ld.so.cache":                   0o644,
		"etc/ld.so.conf.d/libc.conf":        0o644,
		"etc/ssl/certs/ca-certificates.crt": 0o644,
		"etc/python3.11/sitecustomize.py":   0o755,
		"etc/ssl/private/key.pem":           0o644, // never copied, even readable
		"etc/ssl/restricted.key":            0o640, // not world-readable
		"etc/shadow":                        0o644, // not in the list
		"etc/passwd":                        0o644, // ours instead
	} {
		if err := os.WriteFile(filepath.Join(host, name), []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(host, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	mkdir(t, host, "etc/secretdir", 0o750)

	s := newStore(t, host)
	tree := base(t, s, Host)
	wantBinds := []Bind{
		{Source: filepath.Join(host, "usr"), Destination: "/usr"},
		{Source: filepath.Join(host, "lib"), Destination: "/lib"},
	}
	if !slices.Equal(tree.Binds, wantBinds) {
		t.Errorf("binds %v, want %v", tree.Binds, wantBinds)
	}
	for name, target := range map[string]string{
		"bin":                     "usr/bin",
		"lib64":                   "/usr/lib64",
		"etc/ssl/certs/ab12.0":    "Some_Root.pem",
		"etc/alternatives/python": "/usr/bin/python3.11",
		"etc/localtime":           "/usr/share/zoneinfo/Etc/UTC",
		caBundleAL[1:]:            caBundleLink,
	} {
		if got, err := os.Readlink(filepath.Join(tree.Path, name)); err != nil || got != target {
			t.Errorf("%s: %q (%v), want a symlink to %q", name, got, err, target)
		}
	}
	for _, name := range []string{"usr", "lib"} {
		if entries, err := os.ReadDir(filepath.Join(tree.Path, name)); err != nil || len(entries) != 0 {
			t.Errorf("%s: want an empty mountpoint, got %d entries (%v)", name, len(entries), err)
		}
	}
	for _, name := range []string{"etc/ld.so.cache", "etc/ld.so.conf.d/libc.conf", "etc/ssl/certs/ca-certificates.crt", "etc/python3.11/sitecustomize.py"} {
		assertContains(t, tree.Path, name, name)
	}
	for _, name := range []string{"etc/ssl/private", "etc/ssl/restricted.key", "etc/shadow", "etc/secretdir", "lib32", "sbin"} {
		if _, err := os.Lstat(filepath.Join(tree.Path, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists in the tree (%v)", name, err)
		}
	}
	assertContains(t, tree.Path, "/etc/passwd", "sbx_user1051:x:993:990::/tmp:/sbin/nologin\n")
	assertMountpoints(t, tree.Path)
	assertModes(t, tree.Path)

	// A new ld.so.cache on the host makes a new tree for the next Store; the
	// old one stays for the sandboxes using it.
	if err := os.WriteFile(filepath.Join(host, "etc/ld.so.cache"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := base(t, s, Host); got.Path != tree.Path {
		t.Errorf("same Store: %s, want the remembered %s", got.Path, tree.Path)
	}
	restarted, err := NewStore(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	restarted.host = host
	changed := base(t, restarted, Host)
	if changed.Path == tree.Path {
		t.Errorf("host changed, same tree %s", tree.Path)
	}
	assertContains(t, changed.Path, "etc/ld.so.cache", "new")
	if _, err := os.Stat(tree.Path); err != nil {
		t.Errorf("old tree removed: %v", err)
	}
}

func mkdir(t *testing.T, root, name string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, name), mode); err != nil {
		t.Fatal(err)
	}
}
