package daemon

import (
	"context"
	"log/slog"
	"sync"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/launcher"
	"github.com/lambdad/lambdad/rootfs/image"
)

// HostRuntime, as a --runtime-image reference, runs a runtime on the
// host's interpreter (lambdad's own runtime client) rather than on an image.
const HostRuntime = "host"

// imageSource gives an image by reference, pulling it when the host lacks
// it (the image store).
type imageSource interface {
	Ensure(ctx context.Context, ref string) (launcher.Image, error)
}

// images is the daemon's images as the launcher asks for them: an image
// function's from the store (pulled if missing), and each managed runtime's
// base image decided once, by its first asker (its image, or the host's
// interpreter when the image cannot be had).
type images struct {
	src    imageSource
	refs   map[string]string // --runtime-image: runtime (or "*") → reference or HostRuntime
	logger *slog.Logger

	mu       sync.Mutex
	runtimes map[string]*runtimeChoice
}

// runtimeChoice is what one runtime's functions run on, once decided.
type runtimeChoice struct {
	done chan struct{}
	img  launcher.Image
	ok   bool
}

func newImages(src imageSource, refs map[string]string, logger *slog.Logger) *images {
	return &images{src: src, refs: refs, logger: logger, runtimes: map[string]*runtimeChoice{}}
}

// Image is the launcher's Images.
func (im *images) Image(ctx context.Context, ref string) (launcher.Image, error) {
	return im.src.Ensure(ctx, ref)
}

// RuntimeRef is the image a runtime's zip functions run on: the
// --runtime-image given for it (or for "*"), else AWS's base image; ""
// when they run on the host's interpreter.
func (im *images) RuntimeRef(runtime string) string {
	ref, ok := im.refs[runtime]
	if !ok {
		ref, ok = im.refs["*"]
	}
	if !ok {
		ref = function.BaseImage(runtime)
	}
	if ref == HostRuntime {
		return ""
	}
	return ref
}

// RuntimeImage is the launcher's RuntimeImage: the runtime's image if it
// can be had (from the store, or pulled: the first caller pulls, the
// others wait), else false, decided once and said loudly in the log. A ctx
// that ends first decides nothing.
func (im *images) RuntimeImage(ctx context.Context, runtime string) (launcher.Image, bool) {
	ref := im.RuntimeRef(runtime)
	if ref == "" {
		return launcher.Image{}, false
	}
	im.mu.Lock()
	c, ok := im.runtimes[runtime]
	if !ok {
		c = &runtimeChoice{done: make(chan struct{})}
		im.runtimes[runtime] = c
	}
	im.mu.Unlock()
	if ok {
		select {
		case <-c.done:
			return c.img, c.ok
		case <-ctx.Done():
			return launcher.Image{}, false
		}
	}
	img, err := im.src.Ensure(ctx, ref)
	if err != nil && ctx.Err() != nil {
		im.mu.Lock()
		delete(im.runtimes, runtime) // the next caller tries again
		im.mu.Unlock()
		close(c.done)
		return launcher.Image{}, false
	}
	if err != nil {
		im.logger.Warn("a runtime's base image cannot be had: its functions run on the host's interpreter with lambdad's runtime client instead",
			"runtime", runtime, "image", ref, "err", err)
	} else {
		im.logger.Info("a runtime's functions run on its base image", "runtime", runtime, "image", ref, "digest", img.Digest)
	}
	c.img, c.ok = img, err == nil
	close(c.done)
	return c.img, c.ok
}

// storeSource is the image store as images asks it: pulls show their
// progress in the daemon's log.
type storeSource struct {
	store  *image.Store
	logger *slog.Logger
}

func (s storeSource) Ensure(ctx context.Context, ref string) (launcher.Image, error) {
	img, err := s.store.Ensure(ctx, ref, image.LogProgress(s.logger))
	if err != nil {
		return launcher.Image{}, err
	}
	return launcher.Image{Ref: img.Ref, Digest: img.Digest, Tree: img.Tree,
		Entrypoint: img.Entrypoint, Cmd: img.Cmd, Env: img.Env, WorkingDir: img.WorkingDir}, nil
}

// inUse is every image reference the loaded functions run on: image
// functions' and the runtimes' decided on an image.
func (im *images) inUse(fns []function.Config) []string {
	var refs []string
	for _, fn := range fns {
		if fn.IsImage() {
			refs = append(refs, fn.ImageURI)
		}
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	for rt, c := range im.runtimes {
		select {
		case <-c.done:
			if c.ok {
				refs = append(refs, im.RuntimeRef(rt))
			}
		default:
		}
	}
	return refs
}

// check pulls fn's image unless the host has it, or decides its runtime's
// base image; an error if fn cannot run for want of one.
func (im *images) check(fn function.Config) error {
	ctx := context.Background()
	if fn.IsImage() {
		if _, err := im.Image(ctx, fn.ImageURI); err != nil {
			return &function.FieldError{File: fn.Source, Field: "ImageUri", Msg: err.Error()}
		}
		return nil
	}
	if _, ok := im.RuntimeImage(ctx, fn.Runtime); !ok {
		if f := fn.Family(); f != nil && f.Base == "" {
			return &function.FieldError{File: fn.Source, Field: "Runtime", Msg: launcher.NoRuntimeImageError(fn.Runtime).Error()}
		}
	}
	return nil
}
