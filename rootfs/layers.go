package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// dir writes the directory tree at name into the tree, as a layer: its
// symlinks are copied as symlinks, never followed, and anything but files,
// directories and symlinks is refused.
func (u *unpacker) dir(name string) error {
	src, err := os.OpenRoot(name)
	if err != nil {
		return err
	}
	defer src.Close()
	u.source = map[string]bool{}
	return fs.WalkDir(src.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := u.dirEntry(src, rel, d); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		return nil
	})
}

func (u *unpacker) dirEntry(src *os.Root, rel string, d fs.DirEntry) error {
	switch t := d.Type(); {
	case t.IsDir():
		return u.mkdir(rel)
	case t&fs.ModeSymlink != 0:
		target, err := src.Readlink(rel)
		if err != nil {
			return err
		}
		return u.symlink(rel, target)
	case t.IsRegular():
		f, err := src.OpenFile(rel, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		return u.file(rel, fi.Mode(), f)
	default:
		return fmt.Errorf("%w: a %s (a layer may hold files, directories and symlinks)", ErrUnsafeEntry, kindName(t))
	}
}

// Digest is the hex sha256 of a file's contents, or of a directory's whole
// contents (names, kinds, permission bits, symlink targets and file
// contents, links never followed), and the bytes of the regular files it
// covers.
func Digest(name string) (sum string, size int64, err error) {
	fi, err := os.Stat(name)
	if err != nil {
		return "", 0, err
	}
	if fi.IsDir() {
		return dirDigest(name)
	}
	return fileDigest(name)
}

// dirDigest is Digest of a directory.
func dirDigest(name string) (_ string, size int64, _ error) {
	src, err := os.OpenRoot(name)
	if err != nil {
		return "", 0, err
	}
	defer src.Close()
	h := sha256.New()
	err = fs.WalkDir(src.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch t := d.Type(); {
		case t.IsDir():
			fmt.Fprintf(h, "dir %q\n", rel)
		case t&fs.ModeSymlink != 0:
			target, err := src.Readlink(rel)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "symlink %q %q\n", rel, target)
		case t.IsRegular():
			f, err := src.OpenFile(rel, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			fh := sha256.New()
			n, err := io.Copy(fh, f)
			if err != nil {
				return err
			}
			size += n
			fmt.Fprintf(h, "file %q %o %x\n", rel, uint32(fi.Mode().Perm()), fh.Sum(nil))
		default:
			fmt.Fprintf(h, "other %q %v\n", rel, t)
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// fileDigest is Digest of a file.
func fileDigest(name string) (string, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// sourceIdentity says when a file or directory may have changed, without reading
// its contents: a file's device, inode, size, mtime and ctime; for a
// directory, the same of every entry under it.
func sourceIdentity(name string) (string, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "file " + statKey(fi), nil
	}
	h := sha256.New()
	err = fs.WalkDir(os.DirFS(name), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%q %s\n", rel, statKey(fi))
		return nil
	})
	if err != nil {
		return "", err
	}
	return "dir " + statKey(fi) + " " + hex.EncodeToString(h.Sum(nil)), nil
}

func statKey(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
	}
	return fmt.Sprintf("%v %d:%d %d %d.%d %d.%d", fi.Mode(), st.Dev, st.Ino, st.Size,
		st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
}

// treeSize is the bytes of file contents of a tree the store holds.
func treeSize(name string) (int64, error) {
	var size int64
	err := fs.WalkDir(os.DirFS(name), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			size += fi.Size()
		}
		return nil
	})
	return size, err
}
