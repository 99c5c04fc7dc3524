package image

import (
	"archive/tar"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// Limits of an image's tree: Lambda takes images up to 10 GiB uncompressed.
const (
	maxBytes   = 10 << 30
	maxEntries = 1 << 20
)

// applier applies layers, lowest first, onto a tree it reaches only through
// an os.Root, so nothing it does can leave the tree. On top of that it never
// follows a symbolic link: an entry whose parent path holds one (e.g. link
// -> /, then link/etc/x) fails the layer, as does an absolute or ../ name.
type applier struct {
	root       *os.Root
	chown      bool // whether to keep the tar's owners (only root can)
	maxBytes   int64
	maxEntries int64

	bytes, entries int64           // unpacked so far, over all layers
	dirs           map[string]bool // paths known to be real directories ("" is the root)
	created        map[string]bool // paths the current layer made: its whiteouts spare them
	dirTimes       []dirTime       // the current layer's directories' mtimes, set once it is applied
	skipped        int             // device nodes and fifos left out
	buf            []byte
}

type dirTime struct {
	name string
	t    time.Time
}

func newApplier(root *os.Root) *applier {
	return &applier{
		root:       root,
		chown:      os.Geteuid() == 0,
		maxBytes:   maxBytes,
		maxEntries: maxEntries,
		dirs:       map[string]bool{"": true},
		buf:        make([]byte, 256<<10),
	}
}

// apply applies one layer's uncompressed tar.
func (a *applier) apply(ctx context.Context, r io.Reader) error {
	a.created = map[string]bool{}
	a.dirTimes = a.dirTimes[:0]
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: read tar: %w", ErrInvalidLayer, err)
		}
		if a.entries++; a.entries > a.maxEntries {
			return fmt.Errorf("%w: more than %d entries", ErrTooLarge, a.maxEntries)
		}
		if a.entries%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := a.entry(hdr, tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	for _, d := range slices.Backward(a.dirTimes) {
		if fi, err := a.root.Lstat(d.name); err == nil && fi.IsDir() {
			a.root.Chtimes(d.name, d.t, d.t)
		}
	}
	return nil
}

// clean turns a tar name into a path relative to the root ("" for the root
// itself), refusing absolute names and any ".." element.
func clean(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("%w: absolute path", ErrUnsafeLayer)
	}
	var out []string
	for _, e := range strings.Split(name, "/") {
		switch e {
		case "", ".":
		case "..":
			return "", fmt.Errorf("%w: a .. element leaves the image's root", ErrUnsafeLayer)
		default:
			out = append(out, e)
		}
	}
	return strings.Join(out, "/"), nil
}

func (a *applier) entry(hdr *tar.Header, r io.Reader) error {
	name, err := clean(hdr.Name)
	if err != nil {
		return err
	}
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	if strings.HasPrefix(base, whiteoutPrefix) {
		return a.whiteout(dir, base)
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink, tar.TypeLink:
	default: // device nodes, fifos, global headers: the sandbox needs none
		a.skipped++
		return nil
	}
	if name == "" {
		return nil // the root: it stays lambdad's 0755 root:root
	}
	if _, err := a.parents(dir, true); err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		err = a.dir(name, hdr)
	case tar.TypeReg:
		err = a.file(name, hdr, r)
	case tar.TypeSymlink:
		err = a.symlink(name, hdr)
	case tar.TypeLink:
		err = a.link(name, hdr)
	}
	if err == nil {
		a.created[name] = true
	}
	return err
}

const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)

// parents checks that every element of dir is a real directory, making the
// missing ones if create is set; exists is false if one is missing and
// create is not set. A symbolic link on the way fails: it is never followed.
func (a *applier) parents(dir string, create bool) (exists bool, err error) {
	if a.dirs[dir] {
		return true, nil
	}
	p := ""
	for e := range strings.SplitSeq(dir, "/") {
		p = path.Join(p, e)
		if a.dirs[p] {
			continue
		}
		fi, err := a.root.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist) && !create:
			return false, nil
		case errors.Is(err, fs.ErrNotExist):
			if err := a.root.Mkdir(p, 0o755); err != nil {
				return false, err
			}
			a.created[p] = true
		case err != nil:
			return false, err
		case fi.Mode()&fs.ModeSymlink != 0:
			return false, fmt.Errorf("%w: %s is a symbolic link (links are not followed while unpacking)", ErrUnsafeLayer, p)
		case !fi.IsDir():
			return false, fmt.Errorf("%w: %s is not a directory", ErrInvalidLayer, p)
		}
		a.dirs[p] = true
	}
	return true, nil
}

// clear removes what is at name, unless it is a directory and keepDir is
// set; it reports whether a directory was kept.
func (a *applier) clear(name string, keepDir bool) (kept bool, err error) {
	fi, err := a.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if fi.IsDir() && keepDir {
		return true, nil
	}
	a.forget(name)
	return false, a.root.RemoveAll(name)
}

// forget drops name and what is under it from the known directories.
func (a *applier) forget(name string) {
	for d := range a.dirs {
		if d == name || strings.HasPrefix(d, name+"/") {
			delete(a.dirs, d)
		}
	}
}

func (a *applier) dir(name string, hdr *tar.Header) error {
	kept, err := a.clear(name, true)
	if err != nil {
		return err
	}
	if !kept {
		if err := a.root.Mkdir(name, 0o700); err != nil {
			return err
		}
	}
	a.dirs[name] = true
	if err := a.owner(name, hdr, false); err != nil {
		return err
	}
	if err := a.root.Chmod(name, mode(hdr)); err != nil {
		return err
	}
	a.dirTimes = append(a.dirTimes, dirTime{name, hdr.ModTime})
	return nil
}

func (a *applier) file(name string, hdr *tar.Header, r io.Reader) (retErr error) {
	if hdr.Size < 0 {
		return fmt.Errorf("%w: negative size", ErrInvalidLayer)
	}
	if a.bytes += hdr.Size; a.bytes > a.maxBytes {
		return fmt.Errorf("%w: more than %d bytes unpacked", ErrTooLarge, a.maxBytes)
	}
	if _, err := a.clear(name, false); err != nil {
		return err
	}
	f, err := a.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err := f.Close(); retErr == nil {
			retErr = err
		}
	}()
	if _, err := io.CopyBuffer(f, r, a.buf); err != nil {
		return fmt.Errorf("%w: read tar: %w", ErrInvalidLayer, err)
	}
	if a.chown {
		if err := f.Chown(hdr.Uid, hdr.Gid); err != nil {
			return err
		}
	}
	if err := f.Chmod(mode(hdr)); err != nil { // after chown, which drops setuid
		return err
	}
	return a.root.Chtimes(name, hdr.ModTime, hdr.ModTime)
}

func (a *applier) symlink(name string, hdr *tar.Header) error {
	if hdr.Linkname == "" {
		return fmt.Errorf("%w: symbolic link to nothing", ErrInvalidLayer)
	}
	if _, err := a.clear(name, false); err != nil {
		return err
	}
	// The target is kept as written, absolute or not: it is resolved inside
	// the sandbox, whose root is this tree.
	if err := a.root.Symlink(hdr.Linkname, name); err != nil {
		return err
	}
	return a.owner(name, hdr, true)
}

// link makes a hard link to an earlier entry of the tree (any layer).
func (a *applier) link(name string, hdr *tar.Header) error {
	target, err := clean(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
	}
	if target == "" || target == name {
		return fmt.Errorf("%w: hard link to %q", ErrInvalidLayer, hdr.Linkname)
	}
	dir, _ := path.Split(target)
	exists, err := a.parents(strings.TrimSuffix(dir, "/"), false)
	if err != nil {
		return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
	}
	var fi fs.FileInfo
	if exists {
		fi, err = a.root.Lstat(target)
	}
	if !exists || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: hard link to %q, which is not in the tree", ErrInvalidLayer, hdr.Linkname)
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%w: hard link to directory %q", ErrInvalidLayer, hdr.Linkname)
	}
	if _, err := a.clear(name, false); err != nil {
		return err
	}
	return a.root.Link(target, name) // linkat without AT_SYMLINK_FOLLOW: a link to a symlink links the symlink
}

// whiteout removes what lower layers put at dir/base's target: the name
// after .wh., or with .wh..wh..opq everything in dir. What this layer made
// stays.
func (a *applier) whiteout(dir, base string) error {
	exists, err := a.parents(dir, false)
	if err != nil || !exists {
		return err
	}
	if base == opaqueWhiteout {
		d, err := a.root.Open(cmp.Or(dir, "."))
		if err != nil {
			return err
		}
		names, err := d.Readdirnames(-1)
		d.Close()
		if err != nil {
			return err
		}
		for _, n := range names {
			if p := path.Join(dir, n); !a.created[p] {
				if _, err := a.clear(p, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	target := strings.TrimPrefix(base, whiteoutPrefix)
	if target == "" || target == "." || target == ".." {
		return fmt.Errorf("%w: whiteout of %q", ErrUnsafeLayer, target)
	}
	if p := path.Join(dir, target); !a.created[p] {
		_, err := a.clear(p, false)
		return err
	}
	return nil
}

func (a *applier) owner(name string, hdr *tar.Header, link bool) error {
	if !a.chown {
		return nil
	}
	if link {
		return a.root.Lchown(name, hdr.Uid, hdr.Gid)
	}
	return a.root.Chown(name, hdr.Uid, hdr.Gid)
}

// mode is the entry's permissions with its setuid, setgid and sticky bits
// (sandboxes mount their root nosuid).
//
// Neither setuid, setgid nor group or other write is kept: the tree lies on
// the host, under a state directory every sandbox's host uid may search, so
// a setuid-root file of a hostile image would give any host user root, and
// a world-writable one would let any host user change what every sandbox
// of the image runs. Inside, nothing changes: sandboxes mount the tree
// read-only and nosuid.
func mode(hdr *tar.Header) fs.FileMode {
	return hdr.FileInfo().Mode() & (fs.ModePerm&^0o022 | fs.ModeSticky)
}
