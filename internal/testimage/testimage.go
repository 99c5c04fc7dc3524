// Package testimage builds container images for tests, shaped like AWS's
// Lambda base images, and serves them from an in-process registry on
// loopback, so that lambdad pulls them for real.
package testimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Entrypoint is the base images' /lambda-entrypoint.sh, as AWS's behaves
// under a Runtime API: the handler is its one argument, and it execs the
// runtime at /var/runtime/bootstrap.
const Entrypoint = `#!/bin/sh
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
exec /var/runtime/bootstrap
`

// A File is one entry of a layer: a regular file (Data, Mode), a
// symlink (Link) or, with Mode's directory bit, a directory.
type File struct {
	Data []byte
	Mode int64
	Link string
}

// Layer is a layer holding files by path (without a leading slash),
// written in path order, each parent directory first.
func Layer(files map[string]File) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		for i := strings.IndexByte(n, '/'); i >= 0; i = nextSlash(n, i) {
			if d := n[:i]; !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}); err != nil {
					return nil, err
				}
			}
		}
		f := files[n]
		h := &tar.Header{Name: n, Mode: f.Mode}
		switch {
		case f.Link != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, f.Link, 0o777
		case f.Mode&0o40000 != 0:
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, n+"/", f.Mode&0o7777
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
			if h.Mode == 0 {
				h.Mode = 0o644
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

func nextSlash(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// Config is what an image's config says.
type Config struct {
	Entrypoint, Cmd, Env []string
	WorkingDir           string
}

// Image is an image of the host's architecture made of layers, in order.
func Image(cfg Config, layers ...v1.Layer) (v1.Image, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Entrypoint, cf.Config.Cmd, cf.Config.Env, cf.Config.WorkingDir = cfg.Entrypoint, cfg.Cmd, cfg.Env, cfg.WorkingDir
	return mutate.ConfigFile(img, cf)
}

// AWSShaped is an image with the shape of AWS's Lambda base images:
// busybox's sh at /bin/sh, /lambda-entrypoint.sh (Entrypoint), the runtime
// executable at /var/runtime/bootstrap, task's files under /var/task, and
// ENV, WORKDIR and CMD as AWS sets them (plus IMAGE_VAR=from-image).
func AWSShaped(busybox, bootstrap []byte, task map[string]string) (v1.Image, error) {
	base, err := Layer(map[string]File{
		"bin/busybox": {Data: busybox, Mode: 0o755},
		"bin/sh":      {Link: "busybox"},
		"etc/passwd":  {Data: []byte("root:x:0:0:root:/root:/bin/sh\n")},
	})
	if err != nil {
		return nil, err
	}
	files := map[string]File{
		"lambda-entrypoint.sh":  {Data: []byte(Entrypoint), Mode: 0o755},
		"var/runtime/bootstrap": {Data: bootstrap, Mode: 0o755},
		"var/task":              {Mode: 0o40755},
	}
	for n, data := range task {
		files["var/task/"+n] = File{Data: []byte(data)}
	}
	rt, err := Layer(files)
	if err != nil {
		return nil, err
	}
	return Image(Config{
		Entrypoint: []string{"/lambda-entrypoint.sh"},
		Cmd:        []string{"app.handler"},
		Env: []string{"PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LANG=en_US.UTF-8",
			"LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime", "IMAGE_VAR=from-image"},
		WorkingDir: "/var/task",
	}, base, rt)
}

// Serve starts a registry on 127.0.0.1 for the test's life, pushes each
// image under its repository:tag, and returns the registry's host:port.
func Serve(t testing.TB, images map[string]v1.Image) string {
	t.Helper()
	host, stop, err := Start(images)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return host
}

// Start is Serve for a program: stop ends the registry.
func Start(images map[string]v1.Image) (host string, stop func(), err error) {
	srv := httptest.NewServer(registry.New(registry.Logger(discardLogger())))
	host = strings.TrimPrefix(srv.URL, "http://")
	for repoTag, img := range images {
		ref, err := name.ParseReference(host+"/"+repoTag, name.Insecure)
		if err == nil {
			err = remote.Write(ref, img)
		}
		if err != nil {
			srv.Close()
			return "", nil, fmt.Errorf("push %s: %w", repoTag, err)
		}
	}
	return host, srv.Close, nil
}
