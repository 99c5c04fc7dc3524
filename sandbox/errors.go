package sandbox

import "errors"

var (
	// ErrInvalidRequest is returned by Create for a request that cannot
	// describe a sandbox (missing rootfs, bad memory size, …).
	ErrInvalidRequest = errors.New("invalid sandbox request")
	// ErrInvalidTransition is returned when an operation does not fit the
	// sandbox's current state (Start twice, Freeze after exit, …).
	ErrInvalidTransition = errors.New("invalid sandbox state transition")
	// ErrLeaked is returned by Destroy when something of the sandbox could not
	// be removed; the error names what is left.
	ErrLeaked = errors.New("sandbox left resources behind")
	// ErrParentInUse is returned by RemoveParent when the cgroup parent
	// still holds cgroups (sandboxes of another lambdad, a `lambdad run`).
	ErrParentInUse = errors.New("cgroup parent still in use")
	// ErrNoUIDs is returned by Create when every slot of the Manager's
	// uid range belongs to a live sandbox.
	ErrNoUIDs = errors.New("no sandbox uid left")
	// ErrRootUnreachable is returned by Create when a directory above the
	// sandbox's root tree is not searchable by other users: the sandbox's
	// root, an unprivileged host uid (userns.go), could not reach it.
	ErrRootUnreachable = errors.New("root tree not reachable from a user namespace")
)
