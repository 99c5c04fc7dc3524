package image

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lambdad/lambdad/rootfs"
)

// Options configure a Store.
type Options struct {
	StateDir string   // lambdad's --state-dir: metadata and blobs go in StateDir/images, trees in StateDir/rootfs
	Mirrors  []string // --registry-mirror: registries tried, in order, before Docker Hub for its images (host[:port] or a URL)
	Insecure []string // --insecure-registry: host[:port] of registries reached over plain HTTP or TLS without verification
	Keychain authn.Keychain
	Logger   *slog.Logger
}

// Store keeps container images: their layers' blobs and metadata under
// StateDir/images, their unpacked trees beside the other base trees in the
// rootfs store. It is safe for concurrent use, and several processes may
// share its directories.
type Store struct {
	dir      string // StateDir/images
	rootfs   *rootfs.Store
	mirrors  []string
	insecure []string
	keychain authn.Keychain
	log      *slog.Logger

	// For tests: how to dial registries, which CAs to trust, lower limits.
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	rootCAs *x509.CertPool
	limits  *struct{ maxBytes, maxEntries int64 }
}

// Image is an image the store has, unpacked.
type Image struct {
	Ref    string      // the reference it was asked for, fully qualified, or its digest if it has none
	Digest string      // manifest digest (for a docker save tarball, its config digest: docker's image ID)
	Tree   rootfs.Tree // Path: the unpacked root, read-only by convention

	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
}

// Summary describes an image for listing.
type Summary struct {
	Refs        []string // the references naming it, sorted; none for an image that Remove untagged
	Digest      string
	Size        int64 // of its layers' blobs
	Created     time.Time
	Tree        string // the tree's path
	TreePresent bool   // whether the tree is unpacked
}

// Open opens the store under opts.StateDir, creating its directories, and
// removes what crashed pulls and unpacks left (temporary blobs and trees
// older than an hour).
func Open(opts Options) (*Store, error) {
	if opts.StateDir == "" {
		return nil, errors.New("image store: no state directory given")
	}
	rs, err := rootfs.NewStore(filepath.Join(opts.StateDir, "rootfs"))
	if err != nil {
		return nil, err
	}
	s := &Store{
		dir:      filepath.Join(opts.StateDir, "images"),
		rootfs:   rs,
		mirrors:  opts.Mirrors,
		insecure: opts.Insecure,
		keychain: opts.Keychain,
		log:      opts.Logger,
	}
	if s.keychain == nil {
		s.keychain = authn.DefaultKeychain
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "blobs", "sha256"), 0o700); err != nil {
		return nil, fmt.Errorf("image store: %w", err)
	}
	removeStale(s.dir)
	removeStale(filepath.Join(s.dir, "blobs", "sha256"))
	return s, nil
}

// tempPrefix starts the names of blobs and load directories being written;
// staleTemp is when a leftover one is old enough to remove, as in rootfs.
const (
	tempPrefix = ".tmp-"
	staleTemp  = time.Hour
)

func removeStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// Get returns the image ref names, from the store only: ref is a reference
// (alpine:3, registry:5000/fn@sha256:…) or an image digest (sha256:…, or its
// first 12 or more hex digits). It fails with ErrNotFound if the store has no
// such image or its tree is not unpacked.
func (s *Store) Get(ref string) (Image, error) {
	ix, err := s.readIndex()
	if err != nil {
		return Image{}, err
	}
	key, rec, err := lookup(ix, ref)
	if err != nil {
		return Image{}, err
	}
	img := s.image(key, rec)
	if !isDir(img.Tree.Path) {
		return Image{}, fmt.Errorf("image %s: tree %s is not unpacked: %w", ref, img.Tree.Path, ErrNotFound)
	}
	return img, nil
}

// Ensure returns the image ref names: from the store, unpacking its tree
// again from its blobs if needed, else pulled.
func (s *Store) Ensure(ctx context.Context, ref string, progress Progress) (Image, error) {
	ix, err := s.readIndex()
	if err != nil {
		return Image{}, err
	}
	key, rec, err := lookup(ix, ref)
	if errors.Is(err, ErrNotFound) {
		return s.Pull(ctx, ref, progress)
	}
	if err != nil {
		return Image{}, err
	}
	img := s.image(key, rec)
	if isDir(img.Tree.Path) {
		return img, nil
	}
	if !s.haveBlobs(rec) {
		return s.Pull(ctx, ref, progress)
	}
	unlock, err := s.lock("gc.lock", lockShared)
	if err != nil {
		return Image{}, err
	}
	defer unlock()
	if err := s.unpack(ctx, key, rec, progress); err != nil {
		return Image{}, err
	}
	return img, nil
}

func (s *Store) haveBlobs(rec *record) bool {
	for _, l := range rec.Layers {
		if !s.hasBlob(l.Blob) {
			return false
		}
	}
	return true
}

func (s *Store) image(ref string, rec *record) Image {
	return Image{
		Ref:        ref,
		Digest:     rec.Digest,
		Tree:       rootfs.Tree{Path: filepath.Join(s.rootfs.Dir(), rec.Tree)},
		Entrypoint: rec.Config.Entrypoint,
		Cmd:        rec.Config.Cmd,
		Env:        rec.Config.Env,
		WorkingDir: rec.Config.WorkingDir,
		User:       rec.Config.User,
	}
}

// lookup finds ref in the index: a reference it records, else an image by
// digest (whole or a prefix of 12 hex digits or more, or the digest of a
// reference by digest). key is the reference, or the digest.
func lookup(ix *index, ref string) (key string, rec *record, err error) {
	if d, ok := digestArg(ref); ok {
		var found []*record
		for digest, r := range ix.Images {
			if strings.HasPrefix(digest, d) {
				found = append(found, r)
			}
		}
		switch len(found) {
		case 0:
			return "", nil, fmt.Errorf("image %s: %w", ref, ErrNotFound)
		case 1:
			return found[0].Digest, found[0], nil
		}
		return "", nil, fmt.Errorf("image %s: the prefix names %d images", ref, len(found))
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", nil, fmt.Errorf("image %q: %w", ref, err)
	}
	if digest, ok := ix.Refs[r.Name()]; ok && ix.Images[digest] != nil {
		return r.Name(), ix.Images[digest], nil
	}
	if d, ok := r.(name.Digest); ok && ix.Images[d.DigestStr()] != nil {
		return r.Name(), ix.Images[d.DigestStr()], nil
	}
	return "", nil, fmt.Errorf("image %s: %w", ref, ErrNotFound)
}

// digestArg tells whether ref is an image digest or a prefix of one: the
// "sha256:" form, or 12 to 64 lowercase hex digits.
func digestArg(ref string) (string, bool) {
	hx, _ := strings.CutPrefix(ref, "sha256:")
	if len(hx) < 12 || len(hx) > 64 || strings.Trim(hx, "0123456789abcdef") != "" {
		return "", false
	}
	return "sha256:" + hx, true
}

// List returns the images the store has, newest first.
func (s *Store) List() ([]Summary, error) {
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	refs := map[string][]string{}
	for r, d := range ix.Refs {
		refs[d] = append(refs[d], r)
	}
	var out []Summary
	recs := make([]*record, 0, len(ix.Images))
	for _, r := range ix.Images {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *record) int { return b.Added.Compare(a.Added) })
	for _, r := range recs {
		tree := filepath.Join(s.rootfs.Dir(), r.Tree)
		slices.Sort(refs[r.Digest])
		out = append(out, Summary{
			Refs:        refs[r.Digest],
			Digest:      r.Digest,
			Size:        r.size(),
			Created:     r.Created,
			Tree:        tree,
			TreePresent: isDir(tree),
		})
	}
	return out, nil
}

// Remove removes a reference; given a digest, every reference to that image.
// The image itself, its tree and blobs stay until Prune, since a running
// sandbox may use them.
func (s *Store) Remove(ref string) error {
	return s.update(func(ix *index) error {
		key, rec, err := lookup(ix, ref)
		if err != nil {
			return err
		}
		if _, isDigest := digestArg(ref); !isDigest {
			if _, ok := ix.Refs[key]; ok {
				delete(ix.Refs, key)
				return nil
			}
		}
		for r, d := range ix.Refs {
			if d == rec.Digest {
				delete(ix.Refs, r)
			}
		}
		return nil
	})
}

// Prune removes the images no reference names and inUse (references or
// digests, as Get takes) does not list, then every tree and blob the
// remaining images do not need. It returns what it removed: image digests,
// tree and blob paths. It waits for pulls and loads in progress, in this
// process or others, to finish.
func (s *Store) Prune(inUse []string) ([]string, error) {
	unlock, err := s.lock("gc.lock", lockExclusive)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var removed []string
	trees := map[string]bool{}
	blobs := map[string]bool{}
	err = s.update(func(ix *index) error {
		keep := map[string]bool{}
		for _, d := range ix.Refs {
			keep[d] = true
		}
		for _, ref := range inUse {
			if _, rec, err := lookup(ix, ref); err == nil {
				keep[rec.Digest] = true
			}
		}
		for d, rec := range ix.Images {
			if !keep[d] {
				delete(ix.Images, d)
				removed = append(removed, d)
				continue
			}
			trees[rec.Tree] = true
			for _, l := range rec.Layers {
				blobs[l.Blob] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.rootfs.Dir())
	if err != nil {
		return removed, fmt.Errorf("prune: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "image-") && !trees[e.Name()] {
			p := filepath.Join(s.rootfs.Dir(), e.Name())
			if err := os.RemoveAll(p); err != nil {
				return removed, fmt.Errorf("prune: %w", err)
			}
			removed = append(removed, p)
		}
	}
	blobDir := filepath.Join(s.dir, "blobs", "sha256")
	entries, err = os.ReadDir(blobDir)
	if err != nil {
		return removed, fmt.Errorf("prune: %w", err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) && !blobs["sha256:"+e.Name()] {
			p := filepath.Join(blobDir, e.Name())
			if err := os.Remove(p); err != nil {
				return removed, fmt.Errorf("prune: %w", err)
			}
			removed = append(removed, p)
		}
	}
	return removed, nil
}

func isDir(name string) bool {
	fi, err := os.Lstat(name)
	return err == nil && fi.IsDir()
}
