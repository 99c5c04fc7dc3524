package image

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// dockerHub is the registry name go-containerregistry gives Docker Hub.
const dockerHub = name.DefaultRegistry

// Pull fetches ref (a tag or a digest; for an index, the image for linux and
// this host's architecture) into the store and unpacks it. Layers already
// stored are not downloaded again, so a pull that was interrupted resumes.
// For a Docker Hub image the mirrors are tried first, in order.
func (s *Store) Pull(ctx context.Context, ref string, progress Progress) (Image, error) {
	r, err := s.parse(ref)
	if err != nil {
		return Image{}, err
	}
	img, err := s.fetch(ctx, r)
	if err != nil {
		return Image{}, fmt.Errorf("pull %s: %w", r.Name(), err)
	}
	return s.install(ctx, []string{r.Name()}, img, source{}, progress)
}

// parse parses ref, marking its registry insecure if --insecure-registry
// names it.
func (s *Store) parse(ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	if s.isInsecure(r.Context().RegistryStr()) {
		return name.ParseReference(ref, name.Insecure)
	}
	return r, nil
}

// isInsecure tells whether --insecure-registry names host (host:port, or
// host for any port).
func (s *Store) isInsecure(host string) bool {
	bare, _, _ := strings.Cut(host, ":")
	return slices.Contains(s.insecure, host) || slices.Contains(s.insecure, bare)
}

// fetch returns the remote image r names (its manifest read, its layers
// fetched as they are read), from the first mirror that has it for a
// Docker Hub image.
func (s *Store) fetch(ctx context.Context, r name.Reference) (v1.Image, error) {
	var errs []error
	if r.Context().RegistryStr() == dockerHub {
		for _, m := range s.mirrors {
			mr, err := s.onMirror(r, m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			img, err := s.remoteImage(ctx, mr)
			if err == nil {
				return img, nil
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.log.Info("image: mirror failed, trying the next", "mirror", m, "ref", r.Name(), "err", err)
			errs = append(errs, fmt.Errorf("mirror %s: %w", m, err))
		}
	}
	img, err := s.remoteImage(ctx, r)
	if err != nil {
		return nil, errors.Join(append(errs, err)...)
	}
	return img, nil
}

// onMirror is r on mirror m: host[:port], or a URL (http:// makes it
// insecure).
func (s *Store) onMirror(r name.Reference, m string) (name.Reference, error) {
	host, insecure := m, false
	if h, ok := strings.CutPrefix(m, "http://"); ok {
		host, insecure = h, true
	} else {
		host = strings.TrimPrefix(m, "https://")
	}
	host = strings.TrimSuffix(host, "/")
	var opts []name.Option
	if insecure || s.isInsecure(host) {
		opts = append(opts, name.Insecure)
	}
	repo := host + "/" + r.Context().RepositoryStr()
	if d, ok := r.(name.Digest); ok {
		return name.NewDigest(repo+"@"+d.DigestStr(), opts...)
	}
	return name.NewTag(repo+":"+r.Identifier(), opts...)
}

func (s *Store) remoteImage(ctx context.Context, r name.Reference) (v1.Image, error) {
	img, err := remote.Image(r,
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(s.keychain),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: runtime.GOARCH}),
		remote.WithTransport(s.transport(s.isInsecure(r.Context().RegistryStr()))),
		remote.WithUserAgent("lambdad"),
	)
	if err != nil {
		return nil, err
	}
	// remote.Image takes an index's platform image, or the image as it is:
	// check a lone image's platform when its config says one.
	if cf, err := img.ConfigFile(); err == nil && cf.Architecture != "" && cf.Architecture != runtime.GOARCH {
		return nil, fmt.Errorf("%w: %s is %s/%s, this host linux/%s", ErrNoPlatform, r.Name(), cf.OS, cf.Architecture, runtime.GOARCH)
	}
	return img, nil
}

// transport is remote's default transport; for an insecure registry it does
// not verify TLS certificates (and remote falls back to plain HTTP).
func (s *Store) transport(insecure bool) http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	if s.dial != nil {
		t.DialContext = s.dial
	}
	if insecure || s.rootCAs != nil {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: insecure, RootCAs: s.rootCAs} //nolint:gosec // the user asked for it with --insecure-registry
	}
	return t
}
