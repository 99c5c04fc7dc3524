package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lambdad/lambdad/internal/testimage"
)

// imageRegistry serves the echo example as an image shaped like AWS's base
// images (busybox sh, /lambda-entrypoint.sh, the runtime at
// /var/runtime/bootstrap) from a registry on loopback, and returns its
// reference.
func imageRegistry(echoBootstrap string) (ref string, stop func(), err error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return "", nil, fmt.Errorf("busybox (apt-get install busybox-static): %w", err)
	}
	rt, err := os.ReadFile(echoBootstrap)
	if err != nil {
		return "", nil, err
	}
	img, err := testimage.AWSShaped(bb, rt, nil)
	if err != nil {
		return "", nil, err
	}
	host, stop, err := testimage.Start(map[string]v1.Image{"bench/echo:v1": img})
	if err != nil {
		return "", nil, err
	}
	return host + "/bench/echo:v1", stop, nil
}

// runPulls times `lambdad image pull ref` into a fresh state directory, n
// times: an image function's first cold start pays this before its start.
func runPulls(ctx context.Context, binary, work, ref string, n int) (samples, error) {
	var s samples
	for i := range n {
		state := filepath.Join(work, fmt.Sprintf("pull-%d", i))
		start := time.Now()
		out, err := exec.CommandContext(ctx, binary, "image", "pull", "--state-dir", state, ref).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("lambdad image pull %s: %w\n%s", ref, err, out)
		}
		s = append(s, time.Since(start))
		if err := os.RemoveAll(state); err != nil {
			return nil, err
		}
	}
	return s, nil
}
