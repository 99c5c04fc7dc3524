package rootfs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestProvided(t *testing.T) {
	s := newStore(t, "/")
	tree := base(t, s, Provided)
	if len(tree.Binds) != 0 {
		t.Errorf("binds %v, want none", tree.Binds)
	}
	assertMountpoints(t, tree.Path)
	assertContains(t, tree.Path, "/etc/passwd", "sbx_user1051:x:993:990::/tmp:/sbin/nologin\n")
	assertContains(t, tree.Path, "/etc/group", "sbx_user1051:x:990:\n")
	assertContains(t, tree.Path, "/etc/hosts", "127.0.0.1\tlocalhost sandbox.localdomain sandbox\n")
	assertContains(t, tree.Path, "/etc/hosts", "::1\tlocalhost")
	assertContains(t, tree.Path, "/etc/nsswitch.conf", "hosts: files dns\n")
	assertContains(t, tree.Path, "/etc/os-release", "lambdad provided")
	assertModes(t, tree.Path)

	host, err := os.ReadFile(caBundle)
	if err != nil {
		t.Skipf("host has no CA bundle: %v", err)
	}
	for _, name := range []string{caBundle, caBundleAL} {
		got, err := os.ReadFile(filepath.Join(tree.Path, name))
		if err != nil || !bytes.Equal(got, host) {
			t.Errorf("%s: not the host's CA bundle (%v)", name, err)
		}
	}
	if fi, err := os.Lstat(filepath.Join(tree.Path, caBundleAL)); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("%s: not a symlink (%v)", caBundleAL, err)
	}
}

func TestProvidedWithoutCABundle(t *testing.T) {
	s := newStore(t, t.TempDir()) // an empty host
	tree := base(t, s, Provided)
	assertMountpoints(t, tree.Path)
	for _, name := range []string{caBundle, caBundleAL} {
		if _, err := os.Lstat(filepath.Join(tree.Path, name)); err == nil {
			t.Errorf("%s exists on a host without CA bundle", name)
		}
	}
}

func assertContains(t *testing.T, tree, name, want string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(tree, name))
	if err != nil {
		t.Error(err)
		return
	}
	if !strings.Contains(string(data), want) {
		t.Errorf("%s does not contain %q:\n%s", name, want, data)
	}
}

// assertModes checks that the tree is what a shared read-only root must be:
// dirs 0755 (/tmp 1777), files 0644, nothing executable, root-owned when
// built by root.
func assertModes(t *testing.T, tree string) {
	t.Helper()
	root := os.Geteuid() == 0
	err := filepath.WalkDir(tree, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(name, tree), "/")
		want := fi.Mode()
		switch {
		case rel == "/tmp":
			want = fs.ModeDir | fs.ModeSticky | 0o777
		case fi.IsDir():
			want = fs.ModeDir | 0o755
		case fi.Mode().IsRegular():
			want = 0o644
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), want)
		}
		if uid, gid := owner(fi); root && (uid != 0 || gid != 0) {
			t.Errorf("%s: owned by %d:%d, want root", rel, uid, gid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func owner(fi fs.FileInfo) (uid, gid uint32) {
	st := fi.Sys().(*syscall.Stat_t)
	return st.Uid, st.Gid
}
