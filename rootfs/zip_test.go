package rootfs

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// zent is one entry of a test zip: a file (data), a directory (name ends
// with /), or a symlink (mode has fs.ModeSymlink, data is the target).
type zent struct {
	name string
	mode fs.FileMode
	data string
}

// makeZip builds a zip of entries, deflated.
func makeZip(t testing.TB, entries ...zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
			if strings.HasSuffix(e.name, "/") {
				mode = fs.ModeDir | 0o755
			}
		}
		h.SetMode(mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertEmptyStore checks the store holds no tree and no temporary one.
func assertEmptyStore(t *testing.T, s *Store) {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the store: %s", e.Name())
	}
}

func assertMode(t *testing.T, name string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != want {
		t.Errorf("%s: mode %v, want %v", name, got, want)
	}
}

func TestUnpackCode(t *testing.T) {
	s := newStore(t, "/")
	data := makeZip(t,
		zent{name: "bootstrap", mode: 0o755, data: "#!/bin/sh\n"},
		zent{name: "lib/"},
		zent{name: "lib/util.py", data: "x = 1\n"},            // a parent given
		zent{name: "pkg/deep/mod.py", data: "y = 2\n"},        // parents implied
		zent{name: "suid", mode: fs.ModeSetuid | 0o4755},      // setuid dropped
		zent{name: "open", mode: 0o666, data: "w"},            // write for others dropped
		zent{name: "private", mode: 0o600, data: "p"},         // kept unreadable, as on Lambda
		zent{name: "weird/", mode: fs.ModeDir | 0o700},        // directories are 0755
		zent{name: "./dot/file", data: "d"},                   // ./ is harmless
		zent{name: "link", mode: fs.ModeSymlink, data: "lib"}, // symlinks stay symlinks
		zent{name: "abs", mode: fs.ModeSymlink, data: "/etc/passwd"},
	)
	zipPath := writeFile(t, t.TempDir(), "code.zip", data)
	pkg, err := s.Unpack(zipPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if want := filepath.Join(s.dir, "code-"+hex.EncodeToString(sum[:])[:12]); pkg.Code != want || pkg.Opt != "" {
		t.Errorf("Unpack = %+v, want code %s and no opt", pkg, want)
	}
	if want := int64(len("#!/bin/sh\nx = 1\ny = 2\nwpd")); pkg.Size != want {
		t.Errorf("size %d, want %d", pkg.Size, want)
	}
	for name, mode := range map[string]fs.FileMode{
		".": fs.ModeDir | 0o755, "bootstrap": 0o755, "lib": fs.ModeDir | 0o755, "lib/util.py": 0o644,
		"pkg": fs.ModeDir | 0o755, "pkg/deep/mod.py": 0o644, "suid": 0o755, "open": 0o644, "private": 0o600,
		"weird": fs.ModeDir | 0o755, "dot/file": 0o644,
	} {
		assertMode(t, filepath.Join(pkg.Code, name), mode)
	}
	for link, want := range map[string]string{"link": "lib", "abs": "/etc/passwd"} {
		if got, err := os.Readlink(filepath.Join(pkg.Code, link)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", link, got, err, want)
		}
	}
	if os.Geteuid() == 0 {
		for _, name := range []string{".", "bootstrap", "pkg/deep", "link"} {
			fi, err := os.Lstat(filepath.Join(pkg.Code, name))
			if st, ok := fi.Sys().(*syscall.Stat_t); err != nil || !ok || st.Uid != 0 || st.Gid != 0 {
				t.Errorf("%s not owned by root (%v)", name, err)
			}
		}
	}
}

// TestUnpackCache: a second Unpack reuses the tree; a new Store finds it
// on disk; a touched zip with the same bytes gives the same tree, a changed
// one a new tree.
func TestUnpackCache(t *testing.T) {
	s := newStore(t, "/")
	zipPath := writeFile(t, t.TempDir(), "code.zip", makeZip(t, zent{name: "handler.py", data: "one"}))
	first, err := s.Unpack(zipPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.Unpack(zipPath, nil); err != nil || again != first {
		t.Errorf("second Unpack = %+v, %v; want %+v", again, err, first)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(zipPath, later, later); err != nil {
		t.Fatal(err)
	}
	if touched, err := s.Unpack(zipPath, nil); err != nil || touched != first {
		t.Errorf("Unpack of a touched zip = %+v, %v; want %+v", touched, err, first)
	}
	if n := s.builds.Load(); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
	other, err := NewStore(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.Unpack(zipPath, nil); err != nil || got != first || other.builds.Load() != 0 {
		t.Errorf("new Store: %+v, %v, %d builds; want %+v and none", got, err, other.builds.Load(), first)
	}

	writeFile(t, filepath.Dir(zipPath), "code.zip", makeZip(t, zent{name: "handler.py", data: "two!"}))
	changed, err := s.Unpack(zipPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Code == first.Code || changed.Size != 4 {
		t.Errorf("changed zip: %+v, want a new tree of 4 bytes", changed)
	}
	if data, _ := os.ReadFile(filepath.Join(first.Code, "handler.py")); string(data) != "one" {
		t.Errorf("the first tree changed: %q", data)
	}
}

// bombZip has one entry that declares declared bytes and inflates to
// actual bytes of zeros.
func bombZip(t testing.TB, declared, actual int) []byte {
	t.Helper()
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
	fw.Write(make([]byte, actual))
	fw.Close()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bomb", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(make([]byte, declared)),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: uint64(declared)}
	h.SetMode(0o644)
	f, err := w.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(deflated.Bytes())
	w.Close()
	return buf.Bytes()
}

func TestUnpackRefuses(t *testing.T) {
	const limit = 1 << 20
	big := strings.Repeat("a", limit/2+1)
	valid := makeZip(t, zent{name: "a", data: "a"})
	tests := []struct {
		name string
		zip  []byte
		want error
	}{
		{"zip slip", makeZip(t, zent{name: "../evil", data: "x"}), ErrUnsafeEntry},
		{"zip slip inside", makeZip(t, zent{name: "a/../../evil", data: "x"}), ErrUnsafeEntry},
		{"absolute", makeZip(t, zent{name: "/etc/evil", data: "x"}), ErrUnsafeEntry},
		{"backslash", makeZip(t, zent{name: `..\evil`, data: "x"}), ErrUnsafeEntry},
		{"under a symlink out", makeZip(t,
			zent{name: "out", mode: fs.ModeSymlink, data: "/tmp"}, zent{name: "out/evil", data: "x"}), ErrUnsafeEntry},
		{"under a symlink in", makeZip(t,
			zent{name: "d/"}, zent{name: "in", mode: fs.ModeSymlink, data: "d"}, zent{name: "in/x", data: "x"}), ErrUnsafeEntry},
		{"symlink then its dir", makeZip(t,
			zent{name: "out", mode: fs.ModeSymlink, data: "/tmp"}, zent{name: "out/"}), ErrEntryConflict},
		{"duplicate", makeZip(t, zent{name: "a", data: "1"}, zent{name: "a", data: "2"}), ErrEntryConflict},
		{"file and dir", makeZip(t, zent{name: "a", data: "1"}, zent{name: "a/"}), ErrEntryConflict},
		{"file as a parent", makeZip(t, zent{name: "a", data: "1"}, zent{name: "a/b", data: "2"}), ErrEntryConflict},
		{"device", makeZip(t, zent{name: "dev", mode: fs.ModeDevice | 0o644}), ErrUnsafeEntry},
		{"empty symlink", makeZip(t, zent{name: "l", mode: fs.ModeSymlink}), ErrUnsafeEntry},
		{"corrupt", []byte("PK\x03\x04 not really a zip"), ErrBadZip},
		{"truncated", valid[:len(valid)-10], ErrBadZip},
		{"not a zip", []byte("hello"), ErrBadZip},
		{"bomb", bombZip(t, 2*limit, 64*limit), ErrTooLarge},
		{"bomb lying small", bombZip(t, 10, 64*limit), ErrBadZip},
		{"bomb lying under the limit", bombZip(t, limit/2, 64*limit), ErrBadZip},
		{"sum over the limit", makeZip(t, zent{name: "a", data: big}, zent{name: "b", data: big}), ErrTooLarge},
		{"too many entries", makeZip(t, zent{name: "a/"}, zent{name: "b/"}, zent{name: "c/"}, zent{name: "d/"}, zent{name: "e/"}), ErrTooManyEntries},
		{"too many implied", makeZip(t, zent{name: "a/b/c/d/e/f", data: "x"}), ErrTooManyEntries},
	}
	s := newStore(t, "/")
	s.maxUnzipped, s.maxEntries = limit, 4
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zipPath := writeFile(t, t.TempDir(), "code.zip", tt.zip)
			_, err := s.Unpack(zipPath, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Unpack = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), zipPath) {
				t.Errorf("error %q does not name %s", err, zipPath)
			}
			assertEmptyStore(t, s)
		})
	}
	if _, err := os.Lstat("/tmp/evil"); err == nil {
		t.Errorf("/tmp/evil written")
	}
}

func TestUnpackMissing(t *testing.T) {
	s := newStore(t, "/")
	missing := filepath.Join(t.TempDir(), "missing.zip")
	if _, err := s.Unpack(missing, nil); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Unpack = %v, want a not-exist error naming %s", err, missing)
	}
	if _, err := s.Unpack("rel.zip", nil); !errors.Is(err, ErrNotAbsolute) {
		t.Errorf("Unpack(relative) = %v, want %v", err, ErrNotAbsolute)
	}
	assertEmptyStore(t, s)
}

// TestUnpackConcurrent: goroutines of two Stores unpack the same zip and
// agree on one tree.
func TestUnpackConcurrent(t *testing.T) {
	a := newStore(t, "/")
	b, err := NewStore(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	zipPath := writeFile(t, t.TempDir(), "code.zip", makeZip(t, zent{name: "handler.py", data: "x"}))
	paths := make([]string, 16)
	errs := make([]error, 16)
	done := make(chan int)
	for i := range paths {
		s := a
		if i%2 == 1 {
			s = b
		}
		go func() {
			var pkg Package
			pkg, errs[i] = s.Unpack(zipPath, nil)
			paths[i] = pkg.Code
			done <- i
		}()
	}
	for range paths {
		<-done
	}
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Errorf("goroutine %d: %s, %v; goroutine 0: %s", i, paths[i], errs[i], paths[0])
		}
	}
	if entries, _ := os.ReadDir(a.dir); len(entries) != 1 {
		t.Errorf("store holds %d entries, want one tree", len(entries))
	}
}

// FuzzUnpack feeds the unpacker arbitrary zips: nothing may be written
// outside the tree, whatever the zip says.
func FuzzUnpack(f *testing.F) {
	f.Add(makeZip(f, zent{name: "a/b", data: "x"}, zent{name: "l", mode: fs.ModeSymlink, data: "../.."}))
	f.Add(makeZip(f, zent{name: "l", mode: fs.ModeSymlink, data: "/"}, zent{name: "l/x", data: "x"}))
	f.Add(makeZip(f, zent{name: "../x", data: "x"}))
	f.Add(makeZip(f, zent{name: "d/"}, zent{name: "d/../../x", data: "x"}))
	f.Add(bombZip(f, 10, 1<<16))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		tree := filepath.Join(parent, "tree")
		if err := os.Mkdir(tree, 0o700); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(tree)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		u := newUnpacker(root, 1<<20, 1000)
		_ = u.zip(bytes.NewReader(data), int64(len(data)))
		entries, err := os.ReadDir(parent)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "tree" {
			t.Fatalf("written beside the tree: %v", entries)
		}
		filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil && fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|0o022) != 0 {
					t.Errorf("%s: mode %v", p, fi.Mode())
				}
			}
			return nil
		})
	})
}
