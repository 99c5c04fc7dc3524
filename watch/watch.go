// Package watch tells when anything in a directory tree changes, so that
// lambdad can reload the functions under --functions without a restart.
//
// It watches with inotify (through fsnotify), one watch per directory, and
// follows no symlinks below the watched directory: a symlink's own creation,
// removal or replacement is a change, but edits behind it are not seen.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// maxWaitFactor bounds how long a burst that never goes quiet can hold back
// a call: one comes at least every maxWaitFactor debounces.
const maxWaitFactor = 4

// Watch calls changed after every burst of changes under dir, once the
// burst has been quiet for debounce; a burst that goes on longer than four
// debounces gets a call every four debounces all the same, so a busy build
// tool does not starve reloads. A change is a file or directory created,
// written, removed, renamed or chmodded anywhere in the tree, including in
// directories created later (one that arrives with files already in it is
// watched whole, and its arrival is the change). Editors' scratch files are
// not changes: *.swp, *.swo, *.swx, *~, .#*, #*#, 4913, *___jb_tmp___ and
// *___jb_old___ (see ignored). Symlinks below dir are not followed; dir
// itself may be one.
//
// changed runs on Watch's goroutine, one call at a time; changes made while
// it runs are queued by the kernel and make a later call. If the kernel's
// queue overflows, Watch looks the tree over again and counts that as a
// change.
//
// Watch returns nil when ctx ends, or else the first error that stops it:
// dir missing or not a directory, ErrWatchLimit when the kernel refuses a
// watch, ErrDirGone when dir itself is removed or moved. It leaves no
// goroutine or file descriptor behind.
func Watch(ctx context.Context, dir string, debounce time.Duration, changed func()) error {
	return run(ctx, dir, debounce, changed, hooks{})
}

// hooks let tests see into and break what Watch does; zero values mean the
// real thing.
type hooks struct {
	add   func(fsw *fsnotify.Watcher, path string) error // default fsw.Add
	ready func()                                         // the first watches are in place
}

// watcher is one Watch's state; only Watch's goroutine uses it.
type watcher struct {
	dir  string // as the caller named it, for errors
	root string // dir with symlinks resolved: the prefix of every watch and event
	fsw  *fsnotify.Watcher
	add  func(path string) error
}

func run(ctx context.Context, dir string, debounce time.Duration, changed func(), h hooks) error {
	if debounce <= 0 {
		return fmt.Errorf("watch %s: debounce %v is not positive", dir, debounce)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	if fi, err := os.Stat(root); err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("watch %s: not a directory", dir)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return addError(dir, err)
	}
	defer fsw.Close()
	w := &watcher{dir: dir, root: root, fsw: fsw, add: fsw.Add}
	if h.add != nil {
		w.add = func(p string) error { return h.add(fsw, p) }
	}
	if err := w.addTree(ctx, root); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if h.ready != nil {
		h.ready()
	}
	err = w.loop(ctx, debounce, changed)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// loop reads events until ctx ends or an error stops it, calling changed
// after each burst.
func (w *watcher) loop(ctx context.Context, debounce time.Duration, changed func()) error {
	quiet := time.NewTimer(debounce)
	quiet.Stop()
	defer quiet.Stop()
	maxWait := time.NewTimer(debounce)
	maxWait.Stop()
	defer maxWait.Stop()
	pending := false // a change came since the last call
	mark := func() {
		if !pending {
			pending = true
			maxWait.Reset(maxWaitFactor * debounce)
		}
		quiet.Reset(debounce)
	}
	fire := func() {
		quiet.Stop()
		maxWait.Stop()
		pending = false
		if ctx.Err() == nil {
			changed()
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return fmt.Errorf("watch %s: inotify event stream ended", w.dir)
			}
			relevant, err := w.handle(ctx, ev)
			if err != nil {
				return err
			}
			if relevant {
				mark()
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return fmt.Errorf("watch %s: inotify error stream ended", w.dir)
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("watch %s: %w", w.dir, err)
			}
			if err := w.rescan(ctx); err != nil {
				return err
			}
			mark()
		case <-quiet.C:
			fire()
		case <-maxWait.C:
			fire()
		}
	}
}

// handle keeps the watches in step with one event and says whether it is
// a change that matters.
func (w *watcher) handle(ctx context.Context, ev fsnotify.Event) (bool, error) {
	if ev.Name == w.root {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			return false, fmt.Errorf("watch %s: %w", w.dir, ErrDirGone)
		}
		return true, nil
	}
	relevant := !ignored(filepath.Base(ev.Name))
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A directory moved away or removed: drop its watches and its
		// subdirectories', whose paths no longer mean them (a later Create
		// under the same or a new name adds fresh ones).
		w.forget(ev.Name)
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if err := w.addTree(ctx, ev.Name); err != nil {
				return false, err
			}
		}
	}
	return relevant, nil
}

// addTree watches top and every directory under it, following no symlinks.
// Each directory is watched before it is read, so an entry created during
// the walk is either read or reported. A directory below the root that
// vanishes meanwhile is skipped: its removal is an event of its own.
func (w *watcher) addTree(ctx context.Context, top string) error {
	return filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == w.root && vanished(err) {
				return fmt.Errorf("watch %s: %w: %w", w.dir, ErrDirGone, err)
			}
			if vanished(err) {
				return nil
			}
			return fmt.Errorf("watch %s: %w", p, err)
		}
		if !d.IsDir() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.add(p); err != nil {
			if p == w.root && vanished(err) {
				return fmt.Errorf("watch %s: %w: %w", w.dir, ErrDirGone, err)
			}
			if vanished(err) {
				return fs.SkipDir
			}
			return addError(p, err)
		}
		return nil
	})
}

// forget drops the watches on p and below it.
func (w *watcher) forget(p string) {
	prefix := p + string(filepath.Separator)
	for _, q := range w.fsw.WatchList() {
		if q == p || strings.HasPrefix(q, prefix) {
			// An error means the kernel dropped the watch already, with
			// its directory; fsnotify forgets it either way.
			_ = w.fsw.Remove(q)
		}
	}
}

// rescan brings the watches back in step after the kernel's queue
// overflowed and events were lost: it drops watches on paths that are no
// longer directories and adds any directory that has none.
func (w *watcher) rescan(ctx context.Context) error {
	for _, q := range w.fsw.WatchList() {
		if fi, err := os.Lstat(q); err != nil || !fi.IsDir() {
			_ = w.fsw.Remove(q) // gone: see forget
		}
	}
	return w.addTree(ctx, w.root)
}

// vanished reports whether err means the path is gone (or a directory on
// it was replaced by a file): a race with a removal, not a failure.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// addError wraps a failure to create inotify or add a watch on p, marking
// the kernel's limits with ErrWatchLimit.
func addError(p string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
		return fmt.Errorf("watch %s: %w: %w", p, ErrWatchLimit, err)
	}
	return fmt.Errorf("watch %s: %w", p, err)
}
