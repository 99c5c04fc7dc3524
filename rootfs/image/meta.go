package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// index is the store's metadata, images/index.json: which reference names
// which image, and what each image is made of. It is rewritten whole (temp
// file and rename) under the metadata lock, so readers need no lock.
type index struct {
	Refs   map[string]string  `json:"refs"`   // reference (fully qualified, e.g. index.docker.io/library/alpine:3) → image digest
	Images map[string]*record `json:"images"` // image digest → image
}

// record is one image the store has.
type record struct {
	Digest  string    `json:"digest"`  // manifest digest; for a docker save tarball, the config digest (docker's image ID)
	Layers  []layer   `json:"layers"`  // in order, lowest first
	Tree    string    `json:"tree"`    // the unpacked tree's name in the rootfs store: image-<12 hex>
	Config  config    `json:"config"`  // what the launcher needs of the image's config
	Created time.Time `json:"created"` // the image's creation time, from its config
	Added   time.Time `json:"added"`   // when the store got it
}

// layer is one layer of an image: its blob in images/blobs, and the digest
// of its uncompressed tar.
type layer struct {
	Blob   string `json:"blob"`
	DiffID string `json:"diff_id"`
	Size   int64  `json:"size"` // of the blob
}

type config struct {
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	Env        []string `json:"env,omitempty"`
	WorkingDir string   `json:"working_dir,omitempty"`
	User       string   `json:"user,omitempty"`
}

func (r *record) size() int64 {
	var n int64
	for _, l := range r.Layers {
		n += l.Size
	}
	return n
}

// The flock modes of lock.
const (
	lockShared    = unix.LOCK_SH
	lockExclusive = unix.LOCK_EX
)

// readIndex reads the index; a store without one is empty.
func (s *Store) readIndex() (*index, error) {
	ix := &index{Refs: map[string]string{}, Images: map[string]*record{}}
	b, err := os.ReadFile(filepath.Join(s.dir, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return ix, nil
	}
	if err == nil {
		err = json.Unmarshal(b, ix)
	}
	if err != nil {
		return nil, fmt.Errorf("image store %s: index.json: %w", s.dir, err)
	}
	if ix.Refs == nil {
		ix.Refs = map[string]string{}
	}
	if ix.Images == nil {
		ix.Images = map[string]*record{}
	}
	return ix, nil
}

// update changes the index under the metadata lock: fn gets the index as it
// is on disk and changes it; it is written back unless fn fails.
func (s *Store) update(fn func(*index) error) error {
	unlock, err := s.lock("lock", lockExclusive)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := fn(ix); err != nil {
		return err
	}
	b, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(s.dir, "index.json"), b)
}

// writeFile replaces name with data whole: a temporary file, synced and
// renamed.
func writeFile(name string, data []byte) (retErr error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-")
	if err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// lock takes the flock how (LOCK_SH or LOCK_EX) on images/<name>, shared
// with other processes using the state directory. Two locks exist: "lock"
// guards index.json's read-modify-write; "gc.lock" is held shared by pulls
// and loads for their whole run and exclusively by Prune, so Prune never
// removes the blobs or tree of an image not yet recorded.
func (s *Store) lock(name string, how int) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(s.dir, name), os.O_CREATE|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("image store: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("image store: flock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}
