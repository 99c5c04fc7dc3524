package sandbox

import (
	"errors"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/cgroups"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// newParentEnv is a test env whose manager has a cgroup parent of the
// test's own (below the package's), set up with maxPids; its cleanup
// removes the parent and proves it gone from every hierarchy.
func newParentEnv(t *testing.T, maxPids int64) *env {
	t.Helper()
	e := newEnv(t)
	mgr, err := NewManager(Config{StateDir: filepath.Join(t.TempDir(), "containers"), CgroupParent: path.Join(testCgroupParent, t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	e.mgr = mgr
	if err := mgr.SetupParent(maxPids); err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the sandboxes' cleanups.
	t.Cleanup(func() {
		if err := mgr.RemoveParent(); err != nil {
			t.Errorf("remove parent: %v", err)
		}
		sandboxtest.NoLeaks(t, mgr.cgroupParent, "parent of "+t.Name())
	})
	return e
}

// parentPids reads the parent's pids.current.
func parentPids(t *testing.T, m *Manager) int {
	t.Helper()
	cg, err := parentCgroup(m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cgroups.ReadFile(cg.Path("pids"), "pids.current")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSetupParentSetsPidsMax(t *testing.T) {
	e := newParentEnv(t, 3000)
	if n, err := e.mgr.ParentPidsMax(); err != nil || n != 3000 {
		t.Fatalf("parent pids.max %d (%v), want 3000", n, err)
	}
	// The sandboxes under it still get their own 1024.
	s := e.start(e.request("sleep 1000"))
	v, err := cgroups.ReadFile(s.cgroup.Path("pids"), "pids.max")
	if err != nil || strings.TrimSpace(v) != strconv.Itoa(lambda.MaxPids) {
		t.Errorf("sandbox pids.max %q (%v), want %d", v, err, lambda.MaxPids)
	}
}

// The parent's limit holds whatever its sandboxes do: a fork bomb stops at
// it, below its own sandbox's 1024, and a sandbox of its own fits beside
// it within the aggregate as long as room is left for it (the daemon
// reserves that room; TestMaxPidsThrottles in package daemon).
func TestParentPidsMaxBoundsAllSandboxes(t *testing.T) {
	const limit = 200
	e := newParentEnv(t, limit)
	req := e.request(`f() { f | f & }; f; sleep 1000`)
	req.MemoryMB = 2048
	bomb := e.start(req)
	testkit.Eventually(t, "the fork bomb to fill the parent's pids", func() bool {
		return parentPids(t, e.mgr) >= limit-8
	})
	pids, err := cgroups.ReadFile(bomb.cgroup.Path("pids"), "pids.current")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(pids)); n > limit {
		t.Errorf("the fork bomb holds %d pids; the parent's limit is %d", n, limit)
	}
	if err := bomb.Kill(); err != nil {
		t.Fatal(err)
	}
	waitExit(t, bomb)
	if st, out := e.output(e.request("echo started")); st.Code != 0 || !strings.Contains(out, "started") {
		t.Errorf("a sandbox after the bomb: %+v %q", st, out)
	}
}

// A daemon that crashed and restarts finds the parent made: it still
// removes it at its stop.
func TestRemoveParentAfterARestart(t *testing.T) {
	e := newParentEnv(t, 3000)
	e.start(e.request("true"))
	again, err := NewManager(Config{StateDir: e.mgr.stateDir, CgroupParent: e.mgr.cgroupParent})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if err := again.SetupParent(3000); err != nil {
		t.Fatal(err)
	}
	if err := again.RemoveParent(); err != nil {
		t.Fatal(err)
	}
	if left := sandboxtest.Leaks(again.cgroupParent, "parent"); len(left) > 0 {
		t.Errorf("after RemoveParent: %v", left)
	}
}

// A parent that still holds a sandbox is left as it is.
func TestRemoveParentSparesAParentInUse(t *testing.T) {
	e := newEnv(t)
	parent := path.Join(testCgroupParent, t.Name())
	mgr, err := NewManager(Config{StateDir: filepath.Join(t.TempDir(), "containers"), CgroupParent: parent})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sandboxtest.RemoveCgroup(parent) })
	e.mgr = mgr
	if err := mgr.SetupParent(3000); err != nil {
		t.Fatal(err)
	}
	e.start(e.request("sleep 1000"))
	if err := mgr.RemoveParent(); !errors.Is(err, ErrParentInUse) {
		t.Fatalf("RemoveParent with a sandbox alive: %v, want ErrParentInUse", err)
	}
	if n, err := mgr.ParentPidsMax(); err != nil || n != 3000 {
		t.Errorf("parent pids.max %d (%v) after a refused RemoveParent, want 3000", n, err)
	}
}

// A parent that was there before lambdad set it up is not lambdad's to
// remove.
func TestRemoveParentKeepsAParentItDidNotMake(t *testing.T) {
	sandboxtest.RequireRoot(t)
	parent := path.Join(testCgroupParent, t.Name())
	first, err := NewManager(Config{StateDir: filepath.Join(t.TempDir(), "a"), CgroupParent: parent})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.SetupParent(3000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := first.RemoveParent(); err != nil {
			t.Error(err)
		}
	})
	other, err := NewManager(Config{StateDir: filepath.Join(t.TempDir(), "b"), CgroupParent: parent})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SetupParent(2000); err != nil {
		t.Fatal(err)
	}
	if err := other.RemoveParent(); err != nil {
		t.Fatal(err)
	}
	if n, err := first.ParentPidsMax(); err != nil || n != 2000 {
		t.Errorf("parent pids.max %d (%v), want it kept (2000)", n, err)
	}
}
