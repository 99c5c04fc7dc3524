package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/lambdad/lambdad/launcher"
)

// hostRuntimes runs every runtime on the host: no test pulls AWS's base
// images.
var hostRuntimes = map[string]string{"*": HostRuntime}

// countingSource has the images in have and counts every ask.
type countingSource struct {
	have  map[string]launcher.Image
	asked atomic.Int32
}

func (s *countingSource) Ensure(ctx context.Context, ref string) (launcher.Image, error) {
	s.asked.Add(1)
	if err := ctx.Err(); err != nil {
		return launcher.Image{}, err
	}
	if img, ok := s.have[ref]; ok {
		return img, nil
	}
	return launcher.Image{}, errors.New("no such host: public.ecr.aws")
}

func TestRuntimeRef(t *testing.T) {
	im := newImages(nil, map[string]string{"python3.12": "mirror.local/python:3.12", "nodejs22.x": HostRuntime}, slog.New(slog.DiscardHandler))
	for rt, want := range map[string]string{
		"python3.12":      "mirror.local/python:3.12",
		"nodejs22.x":      "",
		"python3.11":      "public.ecr.aws/lambda/python:3.11",
		"provided.al2023": "public.ecr.aws/lambda/provided:al2023",
	} {
		if got := im.RuntimeRef(rt); got != want {
			t.Errorf("RuntimeRef(%s) = %q, want %q", rt, got, want)
		}
	}
	all := newImages(nil, map[string]string{"*": HostRuntime, "java21": "mirror.local/java:21"}, slog.New(slog.DiscardHandler))
	if all.RuntimeRef("python3.12") != "" || all.RuntimeRef("java21") != "mirror.local/java:21" {
		t.Error("* does not apply to the runtimes named on their own only")
	}
}

// A runtime's image is asked for once: found, it is used; not found, its
// functions fall back for the daemon's life. A caller whose ctx ended
// decides nothing.
func TestRuntimeImageDecidedOnce(t *testing.T) {
	src := &countingSource{have: map[string]launcher.Image{"public.ecr.aws/lambda/python:3.12": {Digest: "sha256:py"}}}
	im := newImages(src, nil, slog.New(slog.DiscardHandler))
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := im.RuntimeImage(ended, "python3.12"); ok {
		t.Fatal("an ended ctx got an image")
	}
	for range 3 {
		if img, ok := im.RuntimeImage(context.Background(), "python3.12"); !ok || img.Digest != "sha256:py" {
			t.Fatalf("python3.12: %+v %v", img, ok)
		}
		if _, ok := im.RuntimeImage(context.Background(), "nodejs22.x"); ok {
			t.Fatal("nodejs22.x has no image, yet got one")
		}
	}
	if n := src.asked.Load(); n != 3 { // the ended ctx's, python's, node's
		t.Errorf("the source was asked %d times, want 3", n)
	}
}
