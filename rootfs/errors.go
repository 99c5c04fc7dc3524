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

// Errors of Unpack: a code zip or a layer that cannot be unpacked safely.
var (
	// ErrBadZip: the file is not a zip archive, or is corrupt.
	ErrBadZip = errors.New("not a valid zip file")
	// ErrUnsafeEntry: an entry's name would leave the tree (.., an
	// absolute name, a backslash), or its path runs through a symlink.
	ErrUnsafeEntry = errors.New("unsafe entry")
	// ErrEntryConflict: two entries of one zip have the same name, or a
	// name is both a file and a directory.
	ErrEntryConflict = errors.New("conflicting entries")
	// ErrTooLarge: the code and layers unzip to more than
	// lambda.MaxUnzippedBytes.
	ErrTooLarge = errors.New("unzipped size must be smaller than 262144000 bytes (Lambda's limit for code and layers)")
	// ErrTooManyEntries: more than MaxEntries files, directories and
	// symlinks.
	ErrTooManyEntries = errors.New("too many entries")
)
