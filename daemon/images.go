package daemon

import (
	"context"
	"log/slog"
	"sync"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/launcher"
)

// HostRuntime, as a --runtime-image reference, runs a runtime on the
// host's interpreter (lambdad's own runtime client) rather than on an image.
const HostRuntime = "host"

// imageSource gives an image by reference, pulling it when the host lacks
// it (the image store).
type imageSource interface {
	Ensure(ctx context.Context, ref string) (launcher.Image, error)
}

// images is the daemon's images as the launcher asks for them: each
// reference pulled once at a time, whoever asks, and each managed runtime's
// base image decided once (its image, or the host's interpreter when the
// image cannot be had).
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

// decide settles, before the daemon serves, the image of every runtime the
// functions use and pulls every image function's image, so that the first
// invoke waits for no pull; an image that cannot be had is logged (its
// functions' invokes then fail naming it).
func (im *images) decide(ctx context.Context, fns []function.Config) {
	seen := map[string]bool{}
	for _, fn := range fns {
		switch {
		case fn.IsImage() && !seen["image "+fn.ImageURI]:
			seen["image "+fn.ImageURI] = true
			if _, err := im.Image(ctx, fn.ImageURI); err != nil {
				im.logger.Error("an image function's image cannot be had", "function", fn.Name, "image", fn.ImageURI, "err", err)
			}
		case !fn.IsImage() && !seen["runtime "+fn.Runtime]:
			seen["runtime "+fn.Runtime] = true
			im.RuntimeImage(ctx, fn.Runtime)
		}
	}
}
