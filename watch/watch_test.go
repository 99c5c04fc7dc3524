package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

const (
	debounce = 50 * time.Millisecond
	// quiet is how long a test waits to be sure no further call comes: well
	// past a debounce and a max-wait, so only a real extra call fails it.
	quiet = 20 * debounce
	// patience bounds every wait for something that should happen.
	patience = 10 * time.Second
)

// watching is one Watch run by a test.
type watching struct {
	calls  atomic.Int64
	done   chan error // Watch's result
	cancel context.CancelFunc
}

// start runs Watch on dir until the test ends, and returns once its first
// watches are in place.
func start(t *testing.T, dir string, h hooks) *watching {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watching{done: make(chan error, 1), cancel: cancel}
	ready := make(chan struct{})
	h.ready = func() { close(ready) }
	go func() { w.done <- run(ctx, dir, debounce, func() { w.calls.Add(1) }, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-w.done:
		case <-time.After(patience):
			t.Errorf("Watch did not return %v after its context ended", patience)
		}
	})
	select {
	case <-ready:
	case err := <-w.done:
		t.Fatalf("Watch(%s) returned before it was ready: %v", dir, err)
	case <-time.After(patience):
		t.Fatalf("Watch(%s) not ready after %v", dir, patience)
	}
	return w
}

// waitCalls waits until at least n calls came.
func (w *watching) waitCalls(t *testing.T, n int64, what string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for w.calls.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d calls after %v, want %d", what, w.calls.Load(), patience, n)
		}
		select {
		case err := <-w.done:
			t.Fatalf("%s: Watch returned: %v", what, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// settle waits out the quiet window and returns the number of calls so
// far, failing if Watch returned meanwhile.
func (w *watching) settle(t *testing.T) int64 {
	t.Helper()
	select {
	case err := <-w.done:
		t.Fatalf("Watch returned: %v", err)
	case <-time.After(quiet):
	}
	return w.calls.Load()
}

// expectCalls waits for n calls, then for the quiet window, and fails
// unless the count is still within [n, most].
func (w *watching) expectCalls(t *testing.T, n, most int64, what string) {
	t.Helper()
	w.waitCalls(t, n, what)
	if got := w.settle(t); got < n || got > most {
		t.Fatalf("%s: %d calls, want %d..%d", what, got, n, most)
	}
}

// waitReturn waits for Watch to return on its own and gives its error.
func (w *watching) waitReturn(t *testing.T, what string) error {
	t.Helper()
	select {
	case err := <-w.done:
		w.done <- err // for the cleanup
		return err
	case <-time.After(patience):
		t.Fatalf("%s: Watch still running after %v", what, patience)
		return nil
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// functions makes a --functions directory holding one function, fn, and
// returns it; its parent is scratch space on the same filesystem.
func functions(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "functions")
	write(t, filepath.Join(dir, "fn", "function.json"), `{"Runtime":"python3.12"}`)
	write(t, filepath.Join(dir, "fn", "handler.py"), "def handler(e, c): return 1\n")
	write(t, filepath.Join(dir, "fn", "lib", "util.py"), "X = 1\n")
	return dir
}

func TestEditFile(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	write(t, filepath.Join(dir, "fn", "handler.py"), "def handler(e, c): return 2\n")
	w.expectCalls(t, 1, 1, "edit handler.py")
	write(t, filepath.Join(dir, "fn", "function.json"), `{"Runtime":"python3.13"}`)
	w.expectCalls(t, 2, 2, "edit function.json")
	write(t, filepath.Join(dir, "fn", "lib", "util.py"), "X = 2\n")
	w.expectCalls(t, 3, 3, "edit a file in a subdirectory present at start")
}

func TestBurstIsOneCall(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	for i := range 50 {
		write(t, filepath.Join(dir, "fn", "handler.py"), fmt.Sprintf("# %d\n", i))
	}
	// One call, or a second one if max-wait cut a slow burst in two.
	w.expectCalls(t, 1, 2, "50 writes")
}

func TestMaxWait(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	// Writes every few milliseconds never leave a debounce of quiet, so
	// only max-wait can bring calls while they go on.
	end := time.Now().Add(40 * debounce)
	for i := 0; time.Now().Before(end); i++ {
		write(t, filepath.Join(dir, "fn", "handler.py"), fmt.Sprintf("# %d\n", i))
		time.Sleep(debounce / 10)
	}
	if n := w.calls.Load(); n < 2 {
		t.Fatalf("%d calls during %v of continuous writes, want at least 2 (max-wait is %v)",
			n, 40*debounce, maxWaitFactor*debounce)
	}
}

func TestNewDirectory(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	must(t, os.Mkdir(filepath.Join(dir, "new"), 0o755))
	w.expectCalls(t, 1, 1, "mkdir new")
	write(t, filepath.Join(dir, "new", "handler.py"), "x\n")
	w.expectCalls(t, 2, 2, "file in the new directory")

	must(t, os.MkdirAll(filepath.Join(dir, "deep", "a", "b"), 0o755))
	w.expectCalls(t, 3, 3, "mkdir -p deep/a/b")
	write(t, filepath.Join(dir, "deep", "a", "b", "c.py"), "x\n")
	w.expectCalls(t, 4, 4, "file in deep/a/b")
}

func TestDirectoryArrivesWithFiles(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	// Built outside the tree, then moved in whole: no event tells of its
	// files, only of the directory.
	staged := filepath.Join(filepath.Dir(dir), "staged")
	write(t, filepath.Join(staged, "function.json"), `{"Runtime":"python3.12"}`)
	write(t, filepath.Join(staged, "pkg", "sub", "mod.py"), "x\n")
	must(t, os.Rename(staged, filepath.Join(dir, "fn2")))
	w.expectCalls(t, 1, 1, "move in fn2 with files")
	write(t, filepath.Join(dir, "fn2", "pkg", "sub", "mod.py"), "y\n")
	w.expectCalls(t, 2, 2, "edit in a subdirectory that arrived with fn2")
}

func TestRemoveDirectory(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	must(t, os.RemoveAll(filepath.Join(dir, "fn")))
	w.expectCalls(t, 1, 2, "rm -r fn")
	// The watcher goes on: a function added after it still counts.
	write(t, filepath.Join(dir, "fn", "handler.py"), "x\n")
	w.waitCalls(t, 2, "fn made again")
}

func TestMovedDirectory(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	must(t, os.Rename(filepath.Join(dir, "fn"), filepath.Join(dir, "renamed")))
	w.expectCalls(t, 1, 1, "rename fn to renamed")
	write(t, filepath.Join(dir, "renamed", "lib", "util.py"), "X = 3\n")
	w.expectCalls(t, 2, 2, "edit under the renamed directory")

	away := filepath.Join(filepath.Dir(dir), "away")
	must(t, os.Rename(filepath.Join(dir, "renamed"), away))
	w.expectCalls(t, 3, 3, "move renamed out of the tree")
	write(t, filepath.Join(away, "lib", "util.py"), "X = 4\n")
	write(t, filepath.Join(away, "handler.py"), "y\n")
	if n := w.settle(t); n != 3 {
		t.Fatalf("edits in a directory moved out of the tree: %d calls, want still 3", n)
	}
}

func TestAtomicSave(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	handler := filepath.Join(dir, "fn", "handler.py")

	// Temp file outside the tree, renamed over: the rename is the only event.
	tmp := filepath.Join(filepath.Dir(dir), "handler.py.tmp")
	write(t, tmp, "def handler(e, c): return 3\n")
	must(t, os.Rename(tmp, handler))
	w.expectCalls(t, 1, 1, "rename over handler.py")

	// As vim saves with backupcopy=no: probe, back up by rename, write anew.
	probe := filepath.Join(dir, "fn", "4913")
	write(t, probe, "")
	must(t, os.Remove(probe))
	must(t, os.Rename(handler, handler+"~"))
	write(t, handler, "def handler(e, c): return 4\n")
	must(t, os.Remove(handler+"~"))
	w.expectCalls(t, 2, 2, "vim-style save")
}

func TestScratchFilesOnly(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	fn := filepath.Join(dir, "fn")
	for _, name := range []string{".handler.py.swp", ".handler.py.swx", "handler.py~", "#handler.py#", "4913", "handler.py___jb_tmp___"} {
		write(t, filepath.Join(fn, name), "scratch")
		write(t, filepath.Join(fn, name), "scratch again")
		must(t, os.Remove(filepath.Join(fn, name)))
	}
	must(t, os.Symlink("user@host.1234", filepath.Join(fn, ".#handler.py"))) // emacs's lock
	must(t, os.Remove(filepath.Join(fn, ".#handler.py")))
	if n := w.settle(t); n != 0 {
		t.Fatalf("scratch files only: %d calls, want 0", n)
	}
	write(t, filepath.Join(fn, "handler.py"), "real\n")
	w.expectCalls(t, 1, 1, "a real edit after the scratch files")
}

func TestSymlinksNotFollowed(t *testing.T) {
	dir := functions(t)
	outside := filepath.Join(filepath.Dir(dir), "outside")
	write(t, filepath.Join(outside, "handler.py"), "x\n")
	must(t, os.Symlink(outside, filepath.Join(dir, "linked")))
	w := start(t, dir, hooks{})
	write(t, filepath.Join(outside, "handler.py"), "y\n")
	if n := w.settle(t); n != 0 {
		t.Fatalf("edit behind a symlink: %d calls, want 0 (symlinks are not followed)", n)
	}
	must(t, os.Remove(filepath.Join(dir, "linked")))
	w.expectCalls(t, 1, 1, "remove the symlink")
	must(t, os.Symlink(outside, filepath.Join(dir, "linked")))
	w.expectCalls(t, 2, 2, "make the symlink")
}

func TestRootIsSymlink(t *testing.T) {
	dir := functions(t)
	link := filepath.Join(filepath.Dir(dir), "link")
	must(t, os.Symlink(dir, link))
	w := start(t, link, hooks{})
	write(t, filepath.Join(dir, "fn", "lib", "util.py"), "X = 5\n")
	w.expectCalls(t, 1, 1, "edit under a root named by a symlink")
}

func TestCancel(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	w.cancel()
	if err := w.waitReturn(t, "cancel"); err != nil {
		t.Fatalf("Watch after cancel = %v, want nil", err)
	}
}

func TestCancelDuringBurst(t *testing.T) {
	dir := functions(t)
	w := start(t, dir, hooks{})
	write(t, filepath.Join(dir, "fn", "handler.py"), "x\n")
	w.cancel()
	if err := w.waitReturn(t, "cancel"); err != nil {
		t.Fatalf("Watch after cancel = %v, want nil", err)
	}
	before := w.calls.Load()
	time.Sleep(quiet) // a window for a wrong late call, not a wait for a condition
	if after := w.calls.Load(); after != before {
		t.Fatalf("%d calls after Watch returned", after-before)
	}
}

func TestRootRemoved(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(dir string) error
	}{
		{"removed", os.RemoveAll},
		{"moved", func(dir string) error { return os.Rename(dir, dir+".old") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := functions(t)
			w := start(t, dir, hooks{})
			must(t, tc.do(dir))
			err := w.waitReturn(t, "root "+tc.name)
			if !errors.Is(err, ErrDirGone) {
				t.Fatalf("Watch after its directory was %s = %v, want ErrDirGone", tc.name, err)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name %s", err, dir)
			}
		})
	}
}

func TestBadDirectory(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	write(t, file, "x")
	for _, dir := range []string{filepath.Join(tmp, "missing"), file} {
		err := Watch(context.Background(), dir, debounce, func() {})
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Watch(%s) = %v, want an error naming it", dir, err)
		}
	}
	if err := Watch(context.Background(), tmp, 0, func() {}); err == nil {
		t.Errorf("Watch with debounce 0 = nil, want an error")
	}
}

// failAfter is an add hook that refuses, as a kernel out of watches does,
// once ok is false.
func failAfter(ok *atomic.Bool) func(*fsnotify.Watcher, string) error {
	return func(fsw *fsnotify.Watcher, p string) error {
		if !ok.Load() {
			return syscall.ENOSPC
		}
		return fsw.Add(p)
	}
}

func TestWatchLimitAtStart(t *testing.T) {
	dir := functions(t)
	var n atomic.Int64
	add := func(fsw *fsnotify.Watcher, p string) error {
		if n.Add(1) > 2 {
			return syscall.ENOSPC
		}
		return fsw.Add(p)
	}
	err := run(context.Background(), dir, debounce, func() {}, hooks{add: add})
	if !errors.Is(err, ErrWatchLimit) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Watch out of watches = %v, want ErrWatchLimit wrapping ENOSPC", err)
	}
}

func TestWatchLimitLater(t *testing.T) {
	dir := functions(t)
	var ok atomic.Bool
	ok.Store(true)
	w := start(t, dir, hooks{add: failAfter(&ok)})
	ok.Store(false)
	must(t, os.Mkdir(filepath.Join(dir, "new"), 0o755))
	err := w.waitReturn(t, "watch limit on a new directory")
	if !errors.Is(err, ErrWatchLimit) || !strings.Contains(err.Error(), filepath.Join(dir, "new")) {
		t.Fatalf("Watch out of watches = %v, want ErrWatchLimit naming %s", err, filepath.Join(dir, "new"))
	}
}

// TestOverflow fills the kernel's event queue while changed is busy, makes
// a directory whose creation is lost in the overflow, and checks that
// Watch finds it all the same.
func TestOverflow(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skipf("no inotify queue size to overflow: %v", err)
	}
	queue, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || queue > 1<<17 {
		t.Skipf("max_queued_events %q: too many events to overflow in a test", data)
	}
	dir := functions(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int64
	block := make(chan struct{})
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, dir, debounce, func() {
			if calls.Add(1) == 1 {
				<-block
			}
		}, hooks{ready: func() { close(ready) }})
	}()
	<-ready
	write(t, filepath.Join(dir, "fn", "handler.py"), "x\n")
	deadline := time.Now().Add(patience)
	for calls.Load() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no first call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// changed is blocked: fill the kernel's queue and fsnotify's buffer
	// (4096 events) past the brim, two events a file.
	for i := range (queue+4096)/2 + 1000 {
		// In fn, watched already: a new directory's Create would still
		// be queued, its files unwatched.
		write(t, filepath.Join(dir, "fn", "spam"+strconv.Itoa(i)), "x")
	}
	write(t, filepath.Join(dir, "lost", "sub", "f.py"), "x\n")
	close(block)
	for calls.Load() < 2 {
		if time.Now().After(deadline.Add(patience)) {
			t.Fatal("no call after the overflow")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Let the backlog drain and its calls come, then edit in the
	// directory whose Create was lost.
	var last int64 = -1
	for n := calls.Load(); n != last; n = calls.Load() {
		last = n
		time.Sleep(quiet)
	}
	write(t, filepath.Join(dir, "lost", "sub", "f.py"), "y\n")
	deadline = time.Now().Add(patience)
	for calls.Load() <= last {
		if time.Now().After(deadline) {
			t.Fatal("edit in a directory made during the overflow: no call")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Watch = %v", err)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	return len(entries)
}

// TestNoLeak runs Watch to each of its ends and checks that the process
// has no more goroutines or open files than before.
func TestNoLeak(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, w *watching, dir string)
	}{
		{"cancel", func(t *testing.T, w *watching, dir string) {
			w.cancel()
			if err := w.waitReturn(t, "cancel"); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed", func(t *testing.T, w *watching, dir string) {
			must(t, os.RemoveAll(dir))
			if err := w.waitReturn(t, "remove"); !errors.Is(err, ErrDirGone) {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := functions(t)
			for i := range 20 {
				must(t, os.MkdirAll(filepath.Join(dir, fmt.Sprintf("f%d", i), "a", "b"), 0o755))
			}
			goroutines, fds := runtime.NumGoroutine(), openFDs(t)
			w := start(t, dir, hooks{})
			write(t, filepath.Join(dir, "f3", "a", "b", "x.py"), "x\n")
			w.waitCalls(t, 1, "edit")
			if n := openFDs(t); n <= fds {
				t.Fatalf("%d open files while watching, %d before: cannot see inotify's", n, fds)
			}
			tc.end(t, w, dir)
			deadline := time.Now().Add(patience)
			for runtime.NumGoroutine() > goroutines || openFDs(t) > fds {
				if time.Now().After(deadline) {
					buf := make([]byte, 1<<16)
					t.Fatalf("after Watch returned: %d goroutines (%d before), %d open files (%d before)\n%s",
						runtime.NumGoroutine(), goroutines, openFDs(t), fds, buf[:runtime.Stack(buf, true)])
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
