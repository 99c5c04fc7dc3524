package watch

import "errors"

var (
	// ErrWatchLimit means the kernel refused another inotify watch or
	// instance: fs.inotify.max_user_watches (one watch per directory) or
	// fs.inotify.max_user_instances is exhausted. Raising the sysctl, or
	// watching a smaller tree, is the cure; retrying at once is not.
	ErrWatchLimit = errors.New("inotify limit reached (raise fs.inotify.max_user_watches or max_user_instances)")

	// ErrDirGone means the watched directory itself was removed or renamed:
	// its watch is gone, so nothing under it can be seen any more.
	ErrDirGone = errors.New("watched directory was removed or moved")
)
