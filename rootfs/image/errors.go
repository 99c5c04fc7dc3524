package image

import "errors"

var (
	// ErrNotFound is returned by Get, Remove and Load for a reference or
	// digest the store has no image for (or whose tree is missing, for Get).
	ErrNotFound = errors.New("image not found")
	// ErrUnsafeLayer is returned when a layer names a path outside the
	// image's root: an absolute or ../ name, a symbolic link on the way to an
	// entry, a hard link or whiteout leaving the tree.
	ErrUnsafeLayer = errors.New("unsafe layer")
	// ErrInvalidLayer is returned for a layer that cannot be applied: a
	// broken tar, a hard link to nothing, content not matching its diffID.
	ErrInvalidLayer = errors.New("invalid layer")
	// ErrTooLarge is returned when an image would unpack beyond the size or
	// entry limit (Lambda's limit on an image is 10 GiB uncompressed).
	ErrTooLarge = errors.New("image too large")
	// ErrNoPlatform is returned when an index has no image for this host's
	// platform (linux and runtime.GOARCH).
	ErrNoPlatform = errors.New("no image for this platform")
)
