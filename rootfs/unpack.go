package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Package is a function's code zip and layers as the store holds them:
// read-only trees a sandbox binds.
type Package struct {
	Code string // the code zip unpacked, bound at /var/task; "" when no zip was given
	Opt  string // the layers merged in order, bound at /opt; "" when none were given
	Size int64  // bytes of file contents of both, at most lambda.MaxUnzippedBytes
}

// unpacking is a code or opt tree being unpacked, or unpacked.
type unpacking struct {
	done chan struct{}
	path string
	size int64
	err  error
}

// Unpack returns the trees of a function's code zip (zipFile, "" for code
// that is a directory) and of its layers (absolute paths of .zip files or
// directories, merged in order: a later layer's file replaces an earlier
// one's). Each is content-addressed like the base trees:
// <dir>/code-<first 12 hex of the zip's sha256> and <dir>/opt-<digest of
// the layers' contents>, built once in a temporary directory and renamed,
// and never changed. The store remembers each by its sources' identity
// (device, inode, size, mtime and ctime; for a directory layer, of every
// entry), so a later call costs a stat (a walk for a directory layer) and a
// changed source gives a new tree. A zip that cannot be unpacked safely
// (see unpacker), or code and layers over lambda.MaxUnzippedBytes
// together, is an error naming the file, and leaves nothing on disk.
func (s *Store) Unpack(zipFile string, layers []string) (Package, error) {
	var pkg Package
	if zipFile != "" {
		t, err := s.unpack("code", []string{zipFile}, s.maxUnzipped)
		if err != nil {
			return Package{}, fmt.Errorf("code %s: %w", zipFile, err)
		}
		pkg.Code, pkg.Size = t.path, t.size
	}
	if len(layers) > 0 {
		t, err := s.unpack("opt", layers, s.maxUnzipped-pkg.Size)
		if err != nil {
			return Package{}, fmt.Errorf("layers: %w", err)
		}
		pkg.Opt, pkg.Size = t.path, pkg.Size+t.size
	}
	return pkg, nil
}

// unpack returns the tree of sources (one zip for code, the layers for
// opt), unpacking it on the first call for their present identity;
// concurrent callers wait for that one. A tree over budget bytes is an
// error, and is not built. A failure is not remembered.
func (s *Store) unpack(kind string, sources []string, budget int64) (*unpacking, error) {
	key := kind
	for _, src := range sources {
		if !filepath.IsAbs(src) {
			return nil, fmt.Errorf("%s: %w", src, ErrNotAbsolute)
		}
		id, err := sourceIdentity(src)
		if err != nil {
			return nil, err
		}
		key += "\x00" + src + "\x00" + id
	}
	s.mu.Lock()
	u, ok := s.unpacked[key]
	if ok {
		s.mu.Unlock()
		<-u.done
		if u.err == nil && isDir(u.path) {
			if u.size > budget {
				return nil, fmt.Errorf("%d bytes unzipped: %w", u.size, ErrTooLarge)
			}
			return u, nil
		}
		s.mu.Lock()
		if s.unpacked[key] == u { // removed from disk, or failed: try again
			delete(s.unpacked, key)
		}
		s.mu.Unlock()
		return s.unpack(kind, sources, budget)
	}
	u = &unpacking{done: make(chan struct{})}
	s.unpacked[key] = u
	s.mu.Unlock()
	u.path, u.size, u.err = s.unpackTree(kind, sources, budget)
	if u.err != nil {
		s.mu.Lock()
		delete(s.unpacked, key)
		s.mu.Unlock()
	}
	close(u.done)
	return u, u.err
}

// unpackTree names the tree of sources by their contents and builds it
// unless the store holds it.
func (s *Store) unpackTree(kind string, sources []string, budget int64) (string, int64, error) {
	digest, err := sourcesDigest(kind, sources)
	if err != nil {
		return "", 0, err
	}
	name := kind + "-" + digest
	if final := filepath.Join(s.dir, name); isDir(final) {
		size, err := treeSize(final)
		if err == nil && size > budget {
			err = fmt.Errorf("%d bytes unzipped: %w", size, ErrTooLarge)
		}
		return final, size, err
	}
	var size int64
	final, err := s.materialize(name, func(dir string) error {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return err
		}
		defer root.Close()
		u := newUnpacker(root, budget, s.maxEntries)
		if err := u.finish(".", 0o755, root.Chmod); err != nil {
			return err
		}
		for _, src := range sources {
			if err := u.add(src); err != nil {
				if kind == "code" {
					return err // Unpack names the zip
				}
				return fmt.Errorf("%s: %w", src, err)
			}
		}
		size = u.written
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	if size == 0 { // empty, or built meanwhile by another process
		size, err = treeSize(final)
	}
	return final, size, err
}

// add writes one source, a zip or a directory, into the tree.
func (u *unpacker) add(src string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return u.dir(src)
	}
	return u.zipFile(src)
}

// sourcesDigest names a tree by its sources' contents: a code tree by its
// zip's sha256, an opt tree by a sha256 over its layers' in order.
func sourcesDigest(kind string, sources []string) (string, error) {
	if kind == "code" {
		d, _, err := fileDigest(sources[0])
		if err != nil {
			return "", err
		}
		return d[:12], nil
	}
	h := sha256.New()
	io.WriteString(h, "lambdad opt v1\n")
	for _, src := range sources {
		fi, err := os.Stat(src)
		if err != nil {
			return "", err
		}
		d, _, err := Digest(src)
		if err != nil {
			return "", fmt.Errorf("%s: %w", src, err)
		}
		fmt.Fprintf(h, "%t %s\n", fi.IsDir(), d)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}
