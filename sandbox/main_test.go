package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/host"
	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// Shared by every test: built once in TestMain.
var (
	runtimeDir string // holds the in-sandbox init
	codeDir    string // busybox and its applets
	baseDir    string // the rootfs store
	testRoot   string
)

// testCgroupParent keeps test sandboxes apart from a running daemon's.
var testCgroupParent = fmt.Sprintf("/lambdad-test-%d", os.Getpid())

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if benchmarking() { // as lambdad serve does: BenchmarkLifecycle measures what it pays
		if err := host.RunSealed(); err != nil {
			fmt.Fprintln(os.Stderr, "benchmarking unsealed:", err)
		}
	}
	var err error
	testRoot, err = os.MkdirTemp("", "sandbox-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(testRoot)
	runtimeDir = filepath.Join(testRoot, "runtime")
	codeDir = filepath.Join(testRoot, "code")
	baseDir = filepath.Join(testRoot, "rootfs")
	for _, d := range []string{testRoot, runtimeDir, codeDir, baseDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Chmod(d, 0o755)
	}
	if err := sandboxtest.BuildInit(runtimeDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := sandboxtest.BusyboxDir(codeDir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer sandboxtest.RemoveCgroup(testCgroupParent)
	return m.Run()
}

func benchmarking() bool {
	return slices.ContainsFunc(os.Args[1:], func(a string) bool {
		return strings.HasPrefix(a, "-test.bench=") && a != "-test.bench="
	})
}

// env is a test's manager and base tree.
type env struct {
	t    *testing.T
	mgr  *Manager
	base rootfs.Tree

	mu      sync.Mutex
	started map[string]*Sandbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sandboxtest.RequireRoot(t)
	store, err := rootfs.NewStore(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	base, err := store.Base(rootfs.Provided)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mgr, err := NewManager(Config{StateDir: filepath.Join(dir, "containers"), CgroupParent: testCgroupParent})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, mgr: mgr, base: base, started: map[string]*Sandbox{}}
}

// request is a busybox sandbox running sh -c script.
func (e *env) request(script string) CreateRequest {
	id := NewID()
	return CreateRequest{
		ID:         id,
		Root:       e.base,
		CodeDir:    codeDir,
		RuntimeDir: runtimeDir,
		MemoryMB:   128,
		Env:        []string{"PATH=/var/task:/usr/bin:/bin"},
		Args:       []string{"sh", "-c", script},
	}
}

// start creates and starts a sandbox, and registers a cleanup that destroys
// it and proves nothing of it is left.
func (e *env) start(req CreateRequest) *Sandbox {
	e.t.Helper()
	s := e.create(req)
	if err := s.Start(); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) create(req CreateRequest) *Sandbox {
	e.t.Helper()
	s, err := e.mgr.Create(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	e.started[s.ID()] = s
	e.mu.Unlock()
	e.t.Cleanup(func() {
		if err := s.Destroy(); err != nil {
			e.t.Errorf("destroy: %v", err)
		}
		sandboxtest.NoLeaks(e.t, e.mgr.CgroupPath(s.ID()), s.ID(), e.mgr.StateDir(s.ID()))
	})
	return s
}

// output runs script to completion and returns its exit status and output.
func (e *env) output(req CreateRequest) (ExitStatus, string) {
	e.t.Helper()
	var out testkit.Buffer
	req.Stdout, req.Stderr = &out, &out
	s := e.start(req)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := s.Wait(ctx)
	if err != nil {
		e.t.Fatalf("wait: %v (output so far: %s)", err, out.String())
	}
	return st, out.String()
}

// leaksOf lists what of a destroyed sandbox remains.
func leaksOf(e *env, s *Sandbox, req CreateRequest) []string {
	return sandboxtest.Leaks(e.mgr.CgroupPath(s.ID()), s.ID(), e.mgr.StateDir(s.ID()))
}
