package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/rootfs"
)

func TestCreateRejectsBadRequests(t *testing.T) {
	dir := t.TempDir()
	rt := filepath.Join(dir, "runtime")
	os.MkdirAll(rt, 0o755)
	os.WriteFile(filepath.Join(rt, "init"), []byte("#!/bin/true\n"), 0o755)
	good := CreateRequest{
		ID: "ok", Root: rootfs.Tree{Path: dir}, CodeDir: dir, RuntimeDir: rt,
		MemoryMB: 128, Args: []string{"true"},
	}
	mgr, err := NewManager(Config{StateDir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		modify func(*CreateRequest)
		want   string
	}{
		{"missing rootfs", func(r *CreateRequest) { r.Root.Path = filepath.Join(dir, "nope") }, "rootfs: stat"},
		{"relative rootfs", func(r *CreateRequest) { r.Root.Path = "rootfs" }, "not an absolute path"},
		{"host root", func(r *CreateRequest) { r.Root.Path = "/" }, "refusing the host's root"},
		{"rootfs is a file", func(r *CreateRequest) { r.Root.Path = filepath.Join(rt, "init") }, "is not a directory"},
		{"memory too small", func(r *CreateRequest) { r.MemoryMB = 64 }, "memory 64 MB: want 128-10240"},
		{"memory too large", func(r *CreateRequest) { r.MemoryMB = 20000 }, "memory 20000 MB"},
		{"tmp too large", func(r *CreateRequest) { r.EphemeralMB = 20000 }, "ephemeral storage 20000 MB"},
		{"no command", func(r *CreateRequest) { r.Args = nil }, "no command"},
		{"root user", func(r *CreateRequest) { r.UID, r.GID = 0, 990 }, "must not run as root"},
		{"bad id", func(r *CreateRequest) { r.ID = "../x" }, `id "../x"`},
		{"no init", func(r *CreateRequest) { r.RuntimeDir = dir }, "has no init"},
		{"missing code", func(r *CreateRequest) { r.CodeDir = "/nonexistent/code" }, "code dir: stat /nonexistent/code"},
		{"relative cwd", func(r *CreateRequest) { r.Cwd = "var/task" }, "working directory \"var/task\" is not absolute"},
		{"relative bind", func(r *CreateRequest) { r.Root.Binds = []rootfs.Bind{{Source: dir, Destination: "usr"}} }, "not absolute"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := good
			tc.modify(&req)
			_, err := mgr.Create(req)
			if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalidRequest containing %q", err, tc.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"ok": true, "a-B_9": true, strings.Repeat("x", 64): true, "0123456789abcdef": true,
		"": false, strings.Repeat("x", 65): false, "../x": false, "a.b": false, "a b": false,
		"a/b": false, "é": false, "a\x00": false,
	} {
		if got := validID(id); got != want {
			t.Errorf("validID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestCPUQuota(t *testing.T) {
	for _, tc := range []struct {
		mb   int
		want int64
	}{
		{128, 7235}, {1769, 100000}, {3538, 200000}, {10240, 578858},
	} {
		if got := cpuQuota(tc.mb); got != tc.want {
			t.Errorf("cpuQuota(%d) = %d, want %d", tc.mb, got, tc.want)
		}
	}
}

func TestStateTransitions(t *testing.T) {
	allowed := map[[2]State]bool{
		{Created, Prestarted}: true, {Created, Running}: true, {Created, Destroyed}: true,
		{Prestarted, Running}: true, {Prestarted, Exited}: true, {Prestarted, Destroyed}: true,
		{Running, Frozen}: true, {Running, Exited}: true, {Running, Destroyed}: true,
		{Frozen, Running}: true, {Frozen, Exited}: true, {Frozen, Destroyed}: true,
		{Exited, Destroyed}: true,
	}
	all := []State{Created, Prestarted, Running, Frozen, Exited, Destroyed}
	for _, from := range all {
		for _, to := range all {
			if got := canTransition(from, to); got != allowed[[2]State{from, to}] {
				t.Errorf("%s → %s allowed = %v", from, to, got)
			}
		}
	}
}
