package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lambdad/lambdad/lambda"
)

// Tree is a prepared base root filesystem.
type Tree struct {
	Path  string // host path of the root directory (absolute)
	Binds []Bind // host directories the sandbox must bind read-only into the root (Host base), in mount order
}

// Bind is a host directory bound read-only into a tree.
type Bind struct{ Source, Destination string } // Source: host path; Destination: path inside the sandbox

// tempPrefix starts the name of a tree being built; staleTemp is when a
// leftover one (from a crash) is old enough to remove.
const (
	tempPrefix = ".tmp-"
	staleTemp  = time.Hour
)

// Store caches prepared trees under a directory. It is safe for concurrent
// use, and several processes may share its directory.
type Store struct {
	dir  string
	host string // root of the host the trees are made from: "/" outside tests

	// maxUnzipped bounds a Package's size and maxEntries each of its
	// trees: lambda.MaxUnzippedBytes and MaxEntries outside tests.
	maxUnzipped int64
	maxEntries  int

	mu       sync.Mutex
	trees    map[string]*pending   // provided and host, once asked for
	unpacked map[string]*unpacking // code and opt trees, by their sources' identity
	builds   atomic.Int64          // trees written rather than reused, for tests
}

// pending is a tree being prepared, or prepared.
type pending struct {
	done chan struct{}
	tree Tree
	err  error
}

// NewStore returns a Store keeping its trees in dir (created if missing), for
// example /var/lib/lambdad/rootfs. Temporary trees left by a crashed build
// are removed.
func NewStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("rootfs store: no directory given")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("rootfs store: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("rootfs store: %w", err)
	}
	s := &Store{dir: abs, host: "/", maxUnzipped: lambda.MaxUnzippedBytes, maxEntries: MaxEntries,
		trees: map[string]*pending{}, unpacked: map[string]*unpacking{}}
	s.removeStale()
	return s, nil
}

// Dir is the directory the store keeps its trees in.
func (s *Store) Dir() string { return s.dir }

// Base returns the prepared tree for name: Provided, Host, or an absolute
// path to a directory the user prepared (e.g. with debootstrap).
func (s *Store) Base(name string) (Tree, error) {
	switch {
	case name == Provided || name == Host:
		return s.prepared(name)
	case filepath.IsAbs(name):
		return directory(name)
	case strings.ContainsRune(name, '/') || strings.HasPrefix(name, "."):
		return Tree{}, fmt.Errorf("rootfs %q: %w", name, ErrNotAbsolute)
	default:
		return Tree{}, fmt.Errorf("rootfs %q: %w", name, ErrUnknownBase)
	}
}

// prepared returns the tree for a built-in base, preparing it on the first
// call; concurrent callers wait for that one preparation. A failure is not
// remembered, so the next call tries again.
func (s *Store) prepared(name string) (Tree, error) {
	s.mu.Lock()
	p, ok := s.trees[name]
	if !ok {
		p = &pending{done: make(chan struct{})}
		s.trees[name] = p
		s.mu.Unlock()
		p.tree, p.err = s.prepare(name)
		if p.err != nil {
			s.mu.Lock()
			delete(s.trees, name)
			s.mu.Unlock()
		}
		close(p.done)
	} else {
		s.mu.Unlock()
		<-p.done
	}
	if p.err != nil {
		return Tree{}, p.err
	}
	return Tree{Path: p.tree.Path, Binds: slices.Clone(p.tree.Binds)}, nil
}

func (s *Store) prepare(name string) (Tree, error) {
	var p *plan
	var err error
	switch name {
	case Provided:
		p, err = providedPlan(s.host)
	case Host:
		p, err = hostPlan(s.host)
	}
	if err == nil {
		var path string
		path, err = s.materialize(name+"-"+p.digest(), func(dir string) error {
			if err := p.build(dir); err != nil {
				return fmt.Errorf("build %s: %w", dir, err)
			}
			return nil
		})
		if err == nil {
			return Tree{Path: path, Binds: p.binds}, nil
		}
	}
	return Tree{}, fmt.Errorf("rootfs %q: %w", name, err)
}

// materialize returns <dir>/<name>, where name ends with the tree's
// digest, building it with build unless it exists (see Build).
func (s *Store) materialize(name string, build func(dir string) error) (string, error) {
	path, built, err := Build(s.dir, name, build)
	if built {
		s.builds.Add(1)
	}
	return path, err
}

// Build returns dir/name, calling build to fill it unless it exists. The tree
// is built in a temporary directory beside it (named with the prefix NewStore
// removes when stale), synced and renamed into place, so a tree that exists is
// complete; if another process renames first, its tree is used and ours
// removed. built says whether this call's tree is the one in place.
func Build(dir, name string, build func(tmp string) error) (_ string, built bool, retErr error) {
	final := filepath.Join(dir, name)
	if isDir(final) {
		return final, false, nil
	}
	tmp, err := os.MkdirTemp(dir, tempPrefix+name+"-")
	if err != nil {
		return "", false, fmt.Errorf("build: %w", err)
	}
	defer func() {
		if retErr != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := build(tmp); err != nil {
		return "", false, err
	}
	if err := syncfs(tmp); err != nil {
		return "", false, fmt.Errorf("build %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if isDir(final) {
			os.RemoveAll(tmp)
			return final, false, nil
		}
		return "", false, fmt.Errorf("build: %w", err)
	}
	return final, true, nil
}

// removeStale removes temporary trees old enough to be leftovers of a crash,
// not builds in progress in another process. It is best effort.
func (s *Store) removeStale() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.RemoveAll(filepath.Join(s.dir, e.Name()))
		}
	}
}

// syncfs flushes the file system holding dir, so that a tree renamed into
// place survives a crash whole.
func syncfs(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncfs: %w", err)
	}
	return nil
}

func isDir(name string) bool {
	fi, err := os.Lstat(name)
	return err == nil && fi.IsDir()
}
