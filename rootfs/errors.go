package rootfs

import "errors"

var (
	// ErrUnknownBase is returned by Base for a name that is neither a known
	// base nor a path.
	ErrUnknownBase = errors.New("unknown base (want provided, host or an absolute directory)")
	// ErrNotAbsolute is returned by Base for a relative path.
	ErrNotAbsolute = errors.New("relative path (want provided, host or an absolute directory)")
	// ErrNotExist is returned by Base for a directory base that does not exist.
	ErrNotExist = errors.New("no such directory")
	// ErrNotDirectory is returned by Base for a path that is not a directory.
	ErrNotDirectory = errors.New("not a directory")
	// ErrHostRoot is returned by Base for a path that is the host's root.
	ErrHostRoot = errors.New("is the host's root directory, which cannot be a base (use host instead)")
	// ErrMountpoint is returned by Base when a mountpoint cannot be created in
	// a directory base (read-only, a file in the way, a symlink that leaves
	// the tree).
	ErrMountpoint = errors.New("cannot create mountpoint")
)
