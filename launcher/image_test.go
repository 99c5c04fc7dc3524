package launcher

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
	"github.com/lambdad/lambdad/scheduler"
)

// fakeImages serves one image by reference.
type fakeImages map[string]Image

func (f fakeImages) Image(_ context.Context, ref string) (Image, error) {
	img, ok := f[ref]
	if !ok {
		return Image{}, errors.New("no such image")
	}
	return img, nil
}

func imageFunction(ic function.ImageConfig) function.Config {
	return function.Config{Name: "img", PackageType: function.PackageImage, ImageURI: "127.0.0.1:5000/fn:v1",
		ImageConfig: ic, MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, CodeDir: "/nonexistent"}
}

// An image function's sandbox runs the image's ENTRYPOINT and CMD (each
// replaced by ImageConfig on its own) in its WORKDIR, on the image's root,
// with no code directory bound over its /var/task and its ENV under the
// function's variables.
func TestRequestImage(t *testing.T) {
	img := Image{Ref: "127.0.0.1:5000/fn:v1", Tree: rootfs.Tree{Path: "/images/fn"},
		Entrypoint: []string{"/lambda-entrypoint.sh"}, Cmd: []string{"app.handler"},
		Env: []string{"PATH=/var/lang/bin:/usr/bin", "FROM_IMAGE=1"}, WorkingDir: "/var/task"}
	l := New(Config{Images: fakeImages{img.Ref: img}, RuntimeDir: "/rt", Logger: slog.New(slog.DiscardHandler)})
	defer l.Close()
	for _, tc := range []struct {
		name     string
		ic       function.ImageConfig
		args     []string
		cwd      string
		imageCmd []string
	}{
		{"image's own", function.ImageConfig{}, []string{"/lambda-entrypoint.sh", "app.handler"}, "/var/task", nil},
		{"command", function.ImageConfig{Command: []string{"other.handler"}}, []string{"/lambda-entrypoint.sh", "other.handler"}, "/var/task", nil},
		{"entrypoint", function.ImageConfig{EntryPoint: []string{"/bin/run", "-v"}}, []string{"/bin/run", "-v", "app.handler"}, "/var/task", nil},
		{"workdir", function.ImageConfig{WorkingDirectory: "/srv"}, []string{"/lambda-entrypoint.sh", "app.handler"}, "/srv", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := l.Request(context.Background(), imageFunction(tc.ic), false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(req.Args, tc.args) || req.Cwd != tc.cwd || req.CodeDir != "" || req.Root.Path != "/images/fn" {
				t.Errorf("args %q cwd %q code %q root %q; want %q %q, no code, /images/fn", req.Args, req.Cwd, req.CodeDir, req.Root.Path, tc.args, tc.cwd)
			}
			env := strings.Join(req.Env, "\n") + "\n"
			for _, want := range []string{"PATH=/var/lang/bin:/usr/bin\n", "FROM_IMAGE=1\n", "AWS_LAMBDA_FUNCTION_NAME=img\n"} {
				if !strings.Contains(env, want) {
					t.Errorf("env lacks %q:\n%s", want, env)
				}
			}
			if strings.Contains(env, "_HANDLER=") {
				t.Errorf("env sets _HANDLER for an image (its entrypoint does):\n%s", env)
			}
		})
	}
}

func TestRequestImageErrors(t *testing.T) {
	bare := Image{Ref: "127.0.0.1:5000/fn:v1", Tree: rootfs.Tree{Path: "/images/fn"}}
	fn := imageFunction(function.ImageConfig{})

	l := New(Config{Logger: slog.New(slog.DiscardHandler)})
	defer l.Close()
	if _, err := l.Request(context.Background(), fn, false); !errors.Is(err, ErrNoImages) {
		t.Errorf("no image store: %v, want ErrNoImages", err)
	}

	l2 := New(Config{Images: fakeImages{bare.Ref: bare}, Logger: slog.New(slog.DiscardHandler)})
	defer l2.Close()
	if _, err := l2.Request(context.Background(), fn, false); err == nil || !strings.Contains(err.Error(), "no ENTRYPOINT or CMD") {
		t.Errorf("an image without a command: %v", err)
	}
	fn.ImageURI = "127.0.0.1:5000/missing:v1"
	if _, err := l2.Request(context.Background(), fn, false); err == nil || !strings.Contains(err.Error(), "missing:v1") {
		t.Errorf("a missing image: %v, want its reference named", err)
	}
}

// A zip function of a managed runtime runs on the runtime's base image when
// RuntimeImage gives one: the image's entrypoint with the Handler, its code
// at /var/task; else on its family's tree.
func TestRequestRuntimeImage(t *testing.T) {
	img := Image{Ref: "public.ecr.aws/lambda/python:3.12", Tree: rootfs.Tree{Path: "/images/python"},
		Entrypoint: []string{"/lambda-entrypoint.sh"}, Cmd: []string{"lambda_function.handler"},
		Env: []string{"LAMBDA_TASK_ROOT=/var/task", "PYTHONPATH=/var/runtime"}}
	store, err := rootfs.NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	l := New(Config{Rootfs: store, RuntimeDir: "/rt", Logger: slog.New(slog.DiscardHandler),
		RuntimeImage: func(_ context.Context, runtime string) (Image, bool) {
			asked = append(asked, runtime)
			return img, runtime == "python3.12"
		}})
	defer l.Close()
	fn := function.Config{Name: "py", Runtime: "python3.12", Handler: "app.handler", MemorySize: 128, Timeout: 3,
		EphemeralStorageMB: 512, CodeDir: "/code"}
	req, err := l.Request(context.Background(), fn, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(req.Args, []string{"/lambda-entrypoint.sh", "app.handler"}) || req.CodeDir != "/code" || req.Root.Path != "/images/python" || req.Cwd != "" {
		t.Errorf("args %q code %q root %q cwd %q", req.Args, req.CodeDir, req.Root.Path, req.Cwd)
	}
	if env := strings.Join(req.Env, "\n"); !strings.Contains(env, "PYTHONPATH=/var/runtime") || !strings.Contains(env, "_HANDLER=app.handler") {
		t.Errorf("env lacks the image's PYTHONPATH or _HANDLER:\n%s", env)
	}

	fn.Runtime, fn.Handler = "provided.al2023", "bootstrap"
	if req, err = l.Request(context.Background(), fn, false); err != nil {
		t.Fatal(err)
	}
	if req.Root.Path == "/images/python" || !slices.Equal(req.Args, function.Provided.Command) {
		t.Errorf("without a base image: root %q args %q, want the provided tree and its command", req.Root.Path, req.Args)
	}
	if !slices.Equal(asked, []string{"python3.12", "provided.al2023"}) {
		t.Errorf("RuntimeImage asked for %q", asked)
	}
}

// A runtime that runs only on its base image fails clearly without one.
func TestRequestImageOnlyRuntime(t *testing.T) {
	l := New(Config{Logger: slog.New(slog.DiscardHandler),
		RuntimeImage: func(context.Context, string) (Image, bool) { return Image{}, false }})
	defer l.Close()
	fn := function.Config{Name: "j", Runtime: "java21", Handler: "example.Handler::handleRequest", MemorySize: 512, Timeout: 3,
		EphemeralStorageMB: 512, CodeDir: "/code"}
	_, err := l.Request(context.Background(), fn, false)
	if err == nil || !strings.Contains(err.Error(), "public.ecr.aws/lambda/java:21") || !strings.Contains(err.Error(), "--runtime-image java21=") {
		t.Errorf("java21 without its image: %v", err)
	}
}

// switchImages serves one reference's image, which a test may re-point.
type switchImages struct {
	mu  sync.Mutex
	img Image
}

func (s *switchImages) Image(context.Context, string) (Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.img, nil
}

// An image function's spare is held while its reference names the tree it
// was made on, and stale once the tag names another (loaded again).
func TestImageSpareStaleAfterRetag(t *testing.T) {
	sandboxtest.RequireRoot(t)
	dir := sandboxtest.TempDir(t)
	store, err := rootfs.NewStore(filepath.Join(dir, "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := store.Base(rootfs.Provided) // any tree with the mountpoints will do
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.MkdirTemp(dir, "other-")
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := sandbox.NewManager(sandbox.Config{StateDir: filepath.Join(dir, "containers"), CgroupParent: testCgroupParent})
	if err != nil {
		t.Fatal(err)
	}
	images := &switchImages{img: Image{Tree: tree, Entrypoint: []string{"/bin/true"}}}
	l := New(Config{Sandboxes: mgr, Rootfs: store, RuntimeDir: runtimeDir, Sink: scheduler.NewSink(nil),
		Logger: slog.New(slog.DiscardHandler), Images: images})
	defer l.Close()
	p, err := l.prestart(imageFunction(function.ImageConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Destroy()
	if !p.Held() {
		t.Fatal("a fresh spare of an image function is not held")
	}
	images.mu.Lock()
	images.img.Tree = rootfs.Tree{Path: other}
	images.mu.Unlock()
	if p.Held() {
		t.Error("the spare is still held after its tag names another tree")
	}
}
