package image

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
)

// treeVersion names the way trees are unpacked: changing how (new
// mountpoints, new rules) changes it, and so every tree's name.
const treeVersion = "lambdad-image-tree/1"

// treeName is the name of the tree of an image made of these layers:
// image-<first 12 hex of the sha256 over treeVersion and the diffIDs>.
// Images sharing their layers share their tree.
func treeName(diffIDs []string) string {
	h := sha256.New()
	io.WriteString(h, treeVersion+"\n")
	for _, d := range diffIDs {
		io.WriteString(h, d+"\n")
	}
	return "image-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// unpack makes rec's tree from its layers' blobs unless it exists. It is
// built under a temporary name and renamed, so a crash leaves no tree that
// looks complete, and the next call starts over from the blobs.
func (s *Store) unpack(ctx context.Context, ref string, rec *record, progress Progress) error {
	_, _, err := rootfs.Build(s.rootfs.Dir(), rec.Tree, func(tmp string) error {
		if err := os.Chmod(tmp, 0o755); err != nil {
			return err
		}
		root, err := os.OpenRoot(tmp)
		if err != nil {
			return err
		}
		defer root.Close()
		a := newApplier(root)
		if s.limits != nil {
			a.maxBytes, a.maxEntries = s.limits.maxBytes, s.limits.maxEntries
		}
		for i, l := range rec.Layers {
			progress.send(Event{Ref: ref, Layer: l.Blob, Phase: Unpacking, Total: l.Size})
			if err := s.applyBlob(ctx, a, l); err != nil {
				return fmt.Errorf("layer %d (%s): %w", i+1, l.Blob, err)
			}
			progress.send(Event{Ref: ref, Layer: l.Blob, Phase: Unpacked, Total: l.Size})
		}
		if a.skipped > 0 {
			s.log.Debug("image: device nodes and fifos left out", "ref", ref, "count", a.skipped)
		}
		return mountpoints(root)
	})
	if err != nil {
		return fmt.Errorf("unpack %s: %w", ref, err)
	}
	return nil
}

// applyBlob applies one layer, checking its uncompressed content against its
// diffID.
func (s *Store) applyBlob(ctx context.Context, a *applier, l layer) error {
	p, err := s.blobPath(l.Blob)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := decompress(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidLayer, err)
	}
	defer r.Close()
	h := sha256.New()
	tee := io.TeeReader(r, h)
	if err := a.apply(ctx, tee); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // the tar's end padding
		return fmt.Errorf("%w: %w", ErrInvalidLayer, err)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.DiffID {
		return fmt.Errorf("%w: content hashes to %s, the image's config says %s", ErrInvalidLayer, got, l.DiffID)
	}
	return nil
}

// decompress reads a layer blob: gzip, zstd or a plain tar, told apart by
// their first bytes.
func decompress(r *bufio.Reader) (io.ReadCloser, error) {
	magic, _ := r.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return z, nil
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		z, err := zstd.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return z.IOReadCloser(), nil
	}
	return io.NopCloser(r), nil
}

// mountpoints adds lambda.Mountpoints and lambda.FileMountpoints to the tree,
// since a sandbox mounts over them on a read-only root: whatever is in the
// way on their path that is not a directory (a symbolic link, a file) is
// replaced by one, and a file mountpoint that is not a regular file by an
// empty one.
func mountpoints(root *os.Root) error {
	for _, m := range lambda.Mountpoints {
		if err := mkdirs(root, strings.TrimPrefix(m, "/")); err != nil {
			return fmt.Errorf("mountpoint %s: %w", m, err)
		}
	}
	for _, m := range lambda.FileMountpoints {
		rel := strings.TrimPrefix(m, "/")
		if err := mkdirs(root, path.Dir(rel)); err != nil {
			return fmt.Errorf("mountpoint %s: %w", m, err)
		}
		fi, err := root.Lstat(rel)
		if err == nil && fi.Mode().IsRegular() {
			continue
		}
		if err == nil {
			if err := root.RemoveAll(rel); err != nil {
				return fmt.Errorf("mountpoint %s: %w", m, err)
			}
		}
		if err := root.WriteFile(rel, nil, 0o644); err != nil {
			return fmt.Errorf("mountpoint %s: %w", m, err)
		}
	}
	return nil
}

// mkdirs makes every element of rel a directory, replacing what is not one.
func mkdirs(root *os.Root, rel string) error {
	p := ""
	for e := range strings.SplitSeq(rel, "/") {
		p = path.Join(p, e)
		fi, err := root.Lstat(p)
		if err == nil && fi.IsDir() {
			continue
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err == nil {
			if err := root.RemoveAll(p); err != nil {
				return err
			}
		}
		if err := root.Mkdir(p, 0o755); err != nil {
			return err
		}
	}
	return nil
}
