package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lambdad/lambdad/lambda"
)

// directory checks a user-prepared tree and creates the mountpoints it lacks.
// The path returned has its symlinks resolved, as libcontainer wants.
func directory(name string) (Tree, error) {
	fail := func(err error) (Tree, error) {
		return Tree{}, fmt.Errorf("rootfs %q: %w", name, err)
	}
	fi, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail(ErrNotExist)
	case err != nil:
		return fail(err)
	case !fi.IsDir():
		return fail(ErrNotDirectory)
	}
	resolved, err := filepath.EvalSymlinks(name)
	if err != nil {
		return fail(err)
	}
	hostRoot, err := os.Stat("/")
	if err != nil {
		return fail(err)
	}
	if resolved == "/" || os.SameFile(fi, hostRoot) {
		return fail(ErrHostRoot)
	}

	// os.Root keeps every mkdir inside the tree, whatever its symlinks say.
	root, err := os.OpenRoot(resolved)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	for _, m := range lambda.Mountpoints {
		if err := root.MkdirAll(strings.TrimPrefix(m, "/"), 0o755); err != nil {
			return Tree{}, fmt.Errorf("rootfs %q: %w %s: %w", name, ErrMountpoint, m, explain(err))
		}
	}
	for _, m := range lambda.FileMountpoints {
		if err := fileMountpoint(root, strings.TrimPrefix(m, "/")); err != nil {
			return Tree{}, fmt.Errorf("rootfs %q: %w %s: %w", name, ErrMountpoint, m, explain(err))
		}
	}
	return Tree{Path: resolved}, nil
}

// fileMountpoint makes an empty file at rel unless one is there (a symlink
// to one, in the tree, counts).
func fileMountpoint(root *os.Root, rel string) error {
	if fi, err := root.Stat(rel); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%w: a directory", fs.ErrExist)
		}
		return nil
	}
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	f, err := root.OpenFile(rel, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// explain turns the usual reasons a mountpoint cannot be made into advice.
func explain(err error) error {
	switch {
	case errors.Is(err, fs.ErrExist), errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("a file is in the way: %w", err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w (create the mountpoints once while the tree is writable)", err)
	}
	return err
}
