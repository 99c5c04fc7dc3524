package image

import (
	"context"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
)

// source is how install gets an image's layers: compressed blobs as a
// registry or an OCI layout holds them, or uncompressed tars (a docker save
// tarball, whose layers may be either: asking for them compressed could mean
// compressing them).
type source struct {
	uncompressed bool
	digest       string // the image's digest if the source has none of its own; else img.Digest()
}

// install stores img under refs: its layers' blobs (those not already
// stored), its tree unpacked from them, then its record. A failure leaves no
// tree and no record; blobs stay for a retry unless the failure was in
// their content (a layer that cannot be unpacked), when the blobs this call
// stored go too.
func (s *Store) install(ctx context.Context, refs []string, img v1.Image, src source, progress Progress) (Image, error) {
	unlock, err := s.lock("gc.lock", lockShared)
	if err != nil {
		return Image{}, err
	}
	defer unlock()

	ref := "image"
	if len(refs) > 0 {
		ref = refs[0]
	}
	rec, err := s.describe(img, src)
	if err != nil {
		return Image{}, fmt.Errorf("%s: %w", ref, err)
	}
	if len(refs) == 0 {
		ref = rec.Digest
	}
	layers, err := img.Layers()
	if err != nil {
		return Image{}, fmt.Errorf("%s: layers: %w", ref, err)
	}
	stored, err := s.fetchBlobs(ctx, ref, layers, rec, src, progress)
	if err != nil {
		return Image{}, err // the blobs stored stay, for the next try
	}
	if err := s.unpack(ctx, ref, rec, progress); err != nil {
		if ctx.Err() == nil {
			s.dropBlobs(stored) // their content is at fault: no use keeping them
		}
		return Image{}, err
	}
	err = s.update(func(ix *index) error {
		if old := ix.Images[rec.Digest]; old != nil {
			rec.Added = old.Added
		}
		ix.Images[rec.Digest] = rec
		for _, r := range refs {
			ix.Refs[r] = rec.Digest
		}
		return nil
	})
	if err != nil {
		return Image{}, err
	}
	return s.image(ref, rec), nil
}

// describe makes the record of img from its config and manifest.
func (s *Store) describe(img v1.Image, src source) (*record, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	rec := &record{
		Digest:  src.digest,
		Created: cf.Created.Time,
		Added:   time.Now().UTC(),
		Config: config{
			Entrypoint: cf.Config.Entrypoint,
			Cmd:        cf.Config.Cmd,
			Env:        cf.Config.Env,
			WorkingDir: cf.Config.WorkingDir,
			User:       cf.Config.User,
		},
	}
	if rec.Digest == "" {
		d, err := img.Digest()
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		rec.Digest = d.String()
	}
	var diffIDs []string
	for _, d := range cf.RootFS.DiffIDs {
		diffIDs = append(diffIDs, d.String())
	}
	if src.uncompressed {
		for _, d := range diffIDs {
			rec.Layers = append(rec.Layers, layer{Blob: d, DiffID: d, Size: -1})
		}
	} else {
		m, err := img.Manifest()
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if len(m.Layers) != len(diffIDs) {
			return nil, fmt.Errorf("%w: the manifest lists %d layers, the config %d diffIDs", ErrInvalidLayer, len(m.Layers), len(diffIDs))
		}
		for i, l := range m.Layers {
			rec.Layers = append(rec.Layers, layer{Blob: l.Digest.String(), DiffID: diffIDs[i], Size: l.Size})
		}
	}
	rec.Tree = treeName(diffIDs)
	return rec, nil
}

// fetchBlobs stores the layers' blobs the store lacks, three at a time, and
// returns those it stored, also when one failed. Uncompressed layers' sizes are filled in.
func (s *Store) fetchBlobs(ctx context.Context, ref string, layers []v1.Layer, rec *record, src source, progress Progress) ([]string, error) {
	if len(layers) != len(rec.Layers) {
		return nil, fmt.Errorf("%s: %w: %d layers, %d diffIDs", ref, ErrInvalidLayer, len(layers), len(rec.Layers))
	}
	stored := make([]string, len(layers))
	var g errgroup.Group // a failed layer does not stop the others: what is stored is kept for the next try
	g.SetLimit(3)
	for i, l := range layers {
		want := &rec.Layers[i]
		g.Go(func() error {
			if s.hasBlob(want.Blob) {
				if want.Size < 0 {
					want.Size = s.blobSize(want.Blob)
				}
				progress.send(Event{Ref: ref, Layer: want.Blob, Phase: Downloaded, Done: want.Size, Total: want.Size})
				return nil
			}
			var rc io.ReadCloser
			var err error
			if src.uncompressed {
				rc, err = l.Uncompressed()
			} else {
				rc, err = l.Compressed()
			}
			if err != nil {
				return fmt.Errorf("%s: layer %s: %w", ref, want.Blob, err)
			}
			defer rc.Close()
			count := func(n int64) {
				progress.send(Event{Ref: ref, Layer: want.Blob, Phase: Downloading, Done: n, Total: want.Size})
			}
			if err := s.putBlob(want.Blob, ctxReader{ctx, rc}, count); err != nil {
				return fmt.Errorf("%s: layer %s: %w", ref, want.Blob, err)
			}
			stored[i] = want.Blob
			want.Size = s.blobSize(want.Blob)
			progress.send(Event{Ref: ref, Layer: want.Blob, Phase: Downloaded, Done: want.Size, Total: want.Size})
			return nil
		})
	}
	err := g.Wait()
	var out []string
	for _, b := range stored {
		if b != "" {
			out = append(out, b)
		}
	}
	return out, err
}

func (s *Store) blobSize(digest string) int64 {
	p, err := s.blobPath(digest)
	if err != nil {
		return -1
	}
	fi, err := statSize(p)
	if err != nil {
		return -1
	}
	return fi
}

// dropBlobs removes blobs no recorded image uses.
func (s *Store) dropBlobs(blobs []string) {
	if len(blobs) == 0 {
		return
	}
	s.update(func(ix *index) error {
		used := map[string]bool{}
		for _, rec := range ix.Images {
			for _, l := range rec.Layers {
				used[l.Blob] = true
			}
		}
		for _, b := range blobs {
			if !used[b] {
				s.removeBlob(b)
			}
		}
		return nil
	})
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
