package launcher

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
	"github.com/lambdad/lambdad/scheduler"
)

var (
	testDir    string // runtime/, code/, rootfs/
	runtimeDir string
	codeDir    string
)

// testCgroupParent keeps the tests' sandboxes apart from a daemon's.
var testCgroupParent = fmt.Sprintf("/lambdad-launcher-test-%d", os.Getpid())

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if testDir, err = os.MkdirTemp("", "lambdad-launcher-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(testDir)
	runtimeDir, codeDir = filepath.Join(testDir, "runtime"), filepath.Join(testDir, "code")
	for _, step := range []func() error{
		func() error { return os.Chmod(testDir, 0o755) },
		func() error { return os.MkdirAll(runtimeDir, 0o755) },
		func() error { return sandboxtest.BuildInit(runtimeDir) },
		func() error { return os.MkdirAll(codeDir, 0o755) },
		func() error { return sandboxtest.BusyboxDir(codeDir) },
		func() error {
			return os.WriteFile(filepath.Join(codeDir, "bootstrap"), []byte("#!/var/task/sh\nexec /var/task/sleep 1000\n"), 0o755)
		},
	} {
		if err := step(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	defer sandboxtest.RemoveCgroup(testCgroupParent)
	return m.Run()
}

func sleeper() function.Config {
	return function.Config{Name: "sleeper", Runtime: "provided.al2023", Handler: "bootstrap",
		MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, CodeDir: codeDir}
}

// A Launch whose ctx has ended does nothing.
func TestLaunchWithEndedCtx(t *testing.T) {
	l := New(Config{Logger: slog.New(slog.DiscardHandler)}) // nothing to launch with: it must not try
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if inst, err := l.Launch(ctx, scheduler.LaunchRequest{Function: sleeper()}); !errors.Is(err, context.Canceled) || inst != nil {
		t.Errorf("Launch = %v, %v; want context.Canceled", inst, err)
	}
}

// A sandbox set up for a Launch whose ctx ended meanwhile is destroyed,
// not started.
func TestLaunchGivesUpASandboxWhenCtxEnds(t *testing.T) {
	sandboxtest.RequireRoot(t)
	store, err := rootfs.NewStore(filepath.Join(sandboxtest.TempDir(t), "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := sandbox.NewManager(sandbox.Config{StateDir: filepath.Join(t.TempDir(), "containers"), CgroupParent: testCgroupParent})
	if err != nil {
		t.Fatal(err)
	}
	l := New(Config{Sandboxes: mgr, Rootfs: store, RuntimeDir: runtimeDir, Sink: scheduler.NewSink(nil), Logger: slog.New(slog.DiscardHandler)})
	defer l.Close()
	p, err := l.create(context.Background(), sleeper(), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if inst, err := l.start(ctx, p); !errors.Is(err, context.Canceled) || inst != nil {
		t.Errorf("start = %v, %v; want context.Canceled", inst, err)
	}
	if st := p.sb.State(); st != sandbox.Destroyed {
		t.Errorf("the sandbox is %s, want destroyed", st)
	}
	sandboxtest.NoLeaks(t, mgr.CgroupPath(p.sb.ID()), p.sb.ID(), mgr.StateDir(p.sb.ID()))
}

// Request binds a function's zip and layers as the store unpacked them.
func TestRequestUnpacksZipAndLayers(t *testing.T) {
	store, err := rootfs.NewStore(filepath.Join(t.TempDir(), "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "code.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	fw, _ := w.Create("bootstrap")
	fw.Write([]byte("#!/bin/sh\n"))
	w.Close()
	f.Close()
	layer := filepath.Join(dir, "layer")
	os.MkdirAll(filepath.Join(layer, "bin"), 0o755)
	os.WriteFile(filepath.Join(layer, "bin", "tool"), []byte("tool"), 0o755)

	l := New(Config{Rootfs: store, RuntimeDir: runtimeDir})
	defer l.Close()
	fn := sleeper()
	fn.CodeDir, fn.ZipFile, fn.Layers = "", zipPath, []string{layer}
	req, err := l.Request(context.Background(), fn, false)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := store.Unpack(zipPath, []string{layer})
	if err != nil {
		t.Fatal(err)
	}
	if req.CodeDir != pkg.Code || req.OptDir != pkg.Opt || pkg.Code == "" || pkg.Opt == "" {
		t.Errorf("request binds %s and %s, want %+v", req.CodeDir, req.OptDir, pkg)
	}
	if data, err := os.ReadFile(filepath.Join(req.OptDir, "bin", "tool")); err != nil || string(data) != "tool" {
		t.Errorf("/opt/bin/tool: %q, %v", data, err)
	}

	fn.Layers = []string{filepath.Join(dir, "missing.zip")}
	if _, err := l.Request(context.Background(), fn, false); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.zip") {
		t.Errorf("Request with a missing layer = %v", err)
	}
}
