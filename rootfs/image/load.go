package image

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Annotations of an OCI layout's index naming an image: containerd's (and
// docker's) full reference, and OCI's, which may be a full reference or a
// bare tag.
const (
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = "org.opencontainers.image.ref.name"
)

// Load stores the images in file, offline: a docker save tarball (plain or
// gzipped), an OCI image layout directory, or a tar of one. Every reference
// it names is recorded, so Get and Ensure find them without a pull. It
// returns the images loaded; one with no reference has its digest as Ref.
func (s *Store) Load(ctx context.Context, file string, progress Progress) ([]Image, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if fi.IsDir() {
		imgs, err := s.loadLayout(ctx, file, progress)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", file, err)
		}
		return imgs, nil
	}
	names, err := tarNames(file)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	var imgs []Image
	switch {
	case names["manifest.json"]:
		imgs, err = s.loadDockerSave(ctx, file, progress)
	case names["oci-layout"] && names["index.json"]:
		imgs, err = s.loadLayoutTar(ctx, file, progress)
	default:
		err = errors.New("neither a docker save tarball (no manifest.json) nor an OCI layout (no oci-layout and index.json)")
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	return imgs, nil
}

// openTar opens file, decompressing it if gzipped.
func openTar(file string) (io.ReadCloser, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	r, err := decompress(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}

// tarNames is the set of the names in a tar's top directory.
func tarNames(file string) (map[string]bool, error) {
	rc, err := openTar(file)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	names := map[string]bool{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		names[strings.TrimPrefix(hdr.Name, "./")] = true
	}
}

func (s *Store) loadDockerSave(ctx context.Context, file string, progress Progress) ([]Image, error) {
	opener := func() (io.ReadCloser, error) { return openTar(file) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, err
	}
	var out []Image
	for i, d := range m {
		var tag *name.Tag
		var refs []string
		for _, t := range d.RepoTags {
			nt, err := name.NewTag(t)
			if err != nil {
				return nil, fmt.Errorf("manifest.json: image %d: tag %q: %w", i, t, err)
			}
			if tag == nil {
				tag = &nt
			}
			refs = append(refs, nt.Name())
		}
		if tag == nil && len(m) > 1 {
			return nil, fmt.Errorf("manifest.json: image %d (%s) has no tag, in a tarball of several", i, d.Config)
		}
		img, err := tarball.Image(opener, tag)
		if err != nil {
			return nil, err
		}
		id, err := img.ConfigName()
		if err != nil {
			return nil, err
		}
		got, err := s.install(ctx, refs, img, source{uncompressed: true, digest: id.String()}, progress)
		if err != nil {
			return nil, err
		}
		out = append(out, got)
	}
	return out, nil
}

// loadLayoutTar unpacks an OCI layout's tar into a temporary directory of
// the store (blobs, oci-layout and index.json only, regular files only) and
// loads that.
func (s *Store) loadLayoutTar(ctx context.Context, file string, progress Progress) ([]Image, error) {
	dir, err := os.MkdirTemp(s.dir, tempPrefix+"load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	rc, err := openTar(file)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		n, err := clean(hdr.Name)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		if hdr.Typeflag != tar.TypeReg || !(n == "oci-layout" || n == "index.json" || strings.HasPrefix(n, "blobs/")) {
			continue
		}
		if err := root.MkdirAll(filepath.Dir(n), 0o700); err != nil {
			return nil, err
		}
		f, err := root.OpenFile(n, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(f, ctxReader{ctx, tr})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	return s.loadLayout(ctx, dir, progress)
}

// loadLayout loads the images an OCI layout's index.json lists: each image
// (those for another platform skipped), and for a nested index the image for
// this host's platform.
func (s *Store) loadLayout(ctx context.Context, dir string, progress Progress) ([]Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, d := range im.Manifests {
		if d.Platform != nil && !matchPlatform(*d.Platform) {
			continue
		}
		var img v1.Image
		switch {
		case d.MediaType.IsImage():
			img, err = idx.Image(d.Digest)
		case d.MediaType.IsIndex():
			img, err = platformImage(idx, d.Digest)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("index.json: %s: %w", d.Digest, err)
		}
		got, err := s.install(ctx, layoutRefs(d), img, source{}, progress)
		if err != nil {
			return nil, err
		}
		out = append(out, got)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w in index.json (linux/%s)", ErrNoPlatform, runtime.GOARCH)
	}
	return out, nil
}

func platformImage(idx v1.ImageIndex, h v1.Hash) (v1.Image, error) {
	child, err := idx.ImageIndex(h)
	if err != nil {
		return nil, err
	}
	im, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		if d.MediaType.IsImage() && (d.Platform == nil || matchPlatform(*d.Platform)) {
			return child.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("%w (linux/%s)", ErrNoPlatform, runtime.GOARCH)
}

func matchPlatform(p v1.Platform) bool {
	return p.OS == "linux" && p.Architecture == runtime.GOARCH
}

// layoutRefs are the references a layout's descriptor names: a bare tag
// (OCI's ref.name may be one) names no repository and is left out.
func layoutRefs(d v1.Descriptor) []string {
	var refs []string
	for _, a := range []string{annotationImageName, annotationRefName} {
		v := d.Annotations[a]
		if v == "" || !strings.ContainsAny(v, "/:@") {
			continue
		}
		if r, err := name.ParseReference(v); err == nil && !slices.Contains(refs, r.Name()) {
			refs = append(refs, r.Name())
		}
	}
	return refs
}
