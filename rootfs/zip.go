package rootfs

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// MaxEntries bounds the files, directories and symlinks of one code or /opt
// tree: lambdad's bound against a zip of a million empty files (Lambda
// documents none; a large Python layer holds some tens of thousands).
const MaxEntries = 200_000

// maxSymlinkTarget bounds a symlink entry's target, as PATH_MAX does.
const maxSymlinkTarget = 4095

// unpacker writes zips and directories into one tree, the later source's
// files replacing the earlier's. Nothing it writes can land outside the
// tree: every write goes through an os.Root, no path runs through a
// symlink the tree holds, and names with .. or a leading / are refused.
// Modes follow the source's permission bits, as Lambda keeps a zip's (a
// file others cannot read stays so), without setuid, setgid, sticky or
// write for group and others; directories are 0755; everything is owned
// by root when running as root.
type unpacker struct {
	root    *os.Root
	budget  int64 // bytes of file contents that may still be written
	entries int   // entries that may still be made
	limit   int   // entries at the start
	written int64 // bytes of file contents written
	chown   bool

	kinds  map[string]kind  // what each path of the tree holds (clean, relative)
	sizes  map[string]int64 // each file's bytes, given back when a later layer replaces it
	source map[string]bool  // the paths the current source wrote, for duplicates
}

func newUnpacker(root *os.Root, budget int64, entries int) *unpacker {
	return &unpacker{root: root, budget: budget, entries: entries, limit: entries, chown: os.Geteuid() == 0,
		kinds: map[string]kind{".": kindDir}, sizes: map[string]int64{}}
}

// zipFile writes the zip at name into the tree.
func (u *unpacker) zipFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file", ErrBadZip)
	}
	return u.zip(f, fi.Size())
}

// zip writes the zip archive r of size bytes into the tree.
func (u *unpacker) zip(r io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below, more strictly
		return fmt.Errorf("%w: %w", ErrBadZip, err)
	}
	if len(zr.File) > u.entries {
		return fmt.Errorf("%w: %d, more than %d", ErrTooManyEntries, len(zr.File), u.limit)
	}
	u.source = map[string]bool{}
	for _, f := range zr.File {
		if err := u.zipEntry(f); err != nil {
			return fmt.Errorf("entry %q: %w", f.Name, err)
		}
	}
	return nil
}

func (u *unpacker) zipEntry(f *zip.File) error {
	rel, isDir, err := entryPath(f.Name)
	if err != nil {
		return err
	}
	mode := f.Mode()
	switch {
	case isDir || mode.IsDir():
		return u.mkdir(rel)
	case mode&fs.ModeSymlink != 0:
		target, err := readEntry(f, maxSymlinkTarget)
		if err != nil {
			return err
		}
		return u.symlink(rel, string(target))
	case mode.IsRegular():
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadZip, err)
		}
		defer rc.Close()
		return u.file(rel, mode, zipReader{rc})
	}
	return fmt.Errorf("%w: a %s (a zip may hold files, directories and symlinks)", ErrUnsafeEntry, kindName(mode))
}

// entryPath checks a zip entry's name and returns it clean and relative;
// isDir if it ends with /. "." is the tree's root.
func entryPath(name string) (rel string, isDir bool, err error) {
	switch {
	case name == "":
		return "", false, fmt.Errorf("%w: empty name", ErrUnsafeEntry)
	case strings.ContainsAny(name, "\\\x00"):
		return "", false, fmt.Errorf("%w: a backslash or NUL in the name", ErrUnsafeEntry)
	case strings.HasPrefix(name, "/"):
		return "", false, fmt.Errorf("%w: an absolute name", ErrUnsafeEntry)
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." {
			return "", false, fmt.Errorf("%w: '..' in the name", ErrUnsafeEntry)
		}
	}
	return path.Clean(name), strings.HasSuffix(name, "/"), nil
}

// readEntry reads a small entry whole, refusing one longer than limit.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadZip, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrBadZip, err)
	case int64(len(data)) > limit:
		return nil, fmt.Errorf("%w: a symlink target longer than %d bytes", ErrUnsafeEntry, limit)
	case len(data) == 0 || strings.ContainsRune(string(data), 0):
		return nil, fmt.Errorf("%w: an empty symlink target, or one with NUL", ErrUnsafeEntry)
	}
	return data, nil
}

// claim checks that rel may become a k, making its missing parents, and
// clears the way: an earlier source's file or symlink at rel is removed.
// It reports whether rel is already the directory k asks for.
func (u *unpacker) claim(rel string, k kind) (exists bool, err error) {
	if rel == "." {
		if k != kindDir {
			return false, fmt.Errorf("%w: the tree's root cannot be a file", ErrEntryConflict)
		}
		return true, nil
	}
	if u.source[rel] && k != kindDir {
		return false, fmt.Errorf("%w: a duplicate name", ErrEntryConflict)
	}
	if err := u.parents(rel); err != nil {
		return false, err
	}
	old, ok := u.kinds[rel]
	switch {
	case !ok:
	case old == kindDir && k == kindDir:
		u.source[rel] = true
		return true, nil
	case old == kindDir || k == kindDir:
		return false, fmt.Errorf("%w: both a file and a directory", ErrEntryConflict)
	default: // a later layer's file replaces an earlier one's
		if err := u.root.Remove(rel); err != nil {
			return false, err
		}
		delete(u.kinds, rel)
		u.entries++
		u.written -= u.sizes[rel]
		u.budget += u.sizes[rel]
		delete(u.sizes, rel)
	}
	if u.entries == 0 {
		return false, fmt.Errorf("%w: more than %d in the tree", ErrTooManyEntries, u.limit)
	}
	u.entries--
	u.kinds[rel] = k
	u.source[rel] = true
	return false, nil
}

// parents makes rel's missing parent directories; a parent that is a file
// or a symlink is refused, so that nothing is written through a symlink.
func (u *unpacker) parents(rel string) error {
	dir := path.Dir(rel)
	if dir == "." {
		return nil
	}
	switch k, ok := u.kinds[dir]; {
	case ok && k == kindDir:
		return nil
	case ok && k == kindSymlink:
		return fmt.Errorf("%w: %s is a symlink", ErrUnsafeEntry, dir)
	case ok:
		return fmt.Errorf("%w: %s is a file", ErrEntryConflict, dir)
	}
	if err := u.parents(dir); err != nil {
		return err
	}
	if u.entries == 0 {
		return fmt.Errorf("%w: more than %d in the tree", ErrTooManyEntries, u.limit)
	}
	u.entries--
	u.kinds[dir] = kindDir
	return u.makeDir(dir)
}

func (u *unpacker) mkdir(rel string) error {
	exists, err := u.claim(rel, kindDir)
	if err != nil || exists {
		return err
	}
	return u.makeDir(rel)
}

func (u *unpacker) makeDir(rel string) error {
	if err := u.root.Mkdir(rel, 0o700); err != nil {
		return err
	}
	return u.finish(rel, 0o755, u.root.Chmod)
}

func (u *unpacker) symlink(rel, target string) error {
	if _, err := u.claim(rel, kindSymlink); err != nil {
		return err
	}
	if err := u.root.Symlink(target, rel); err != nil {
		return err
	}
	return u.finish(rel, 0, nil)
}

// file writes r at rel, stopping as soon as the bytes written pass the
// budget: a zip's declared sizes are never trusted.
func (u *unpacker) file(rel string, mode fs.FileMode, r io.Reader) error {
	if _, err := u.claim(rel, kindFile); err != nil {
		return err
	}
	f, err := u.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, u.budget+1))
	u.written += n
	u.budget -= n
	u.sizes[rel] = n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case u.budget < 0:
		return ErrTooLarge
	case err != nil:
		return err
	}
	return u.finish(rel, mode.Perm()&^0o022, u.root.Chmod)
}

// zipReader marks the errors of reading an entry (a checksum, a size
// that is not the declared one, bad deflate data) as ErrBadZip.
type zipReader struct{ r io.Reader }

func (z zipReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", ErrBadZip, err)
	}
	return n, err
}

// finish sets rel's mode (unless chmod is nil: a symlink) and owner.
func (u *unpacker) finish(rel string, mode fs.FileMode, chmod func(string, fs.FileMode) error) error {
	if chmod != nil {
		if err := chmod(rel, mode); err != nil {
			return err
		}
	}
	if u.chown {
		return u.root.Lchown(rel, 0, 0)
	}
	return nil
}

// kindName names a mode's file type, for errors.
func kindName(mode fs.FileMode) string {
	switch t := mode.Type(); {
	case t&fs.ModeDevice != 0:
		return "device"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file (" + mode.String() + ")"
}
