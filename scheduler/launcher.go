package scheduler

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/sandbox"
)

// LauncherConfig is what the real Launcher builds instances from.
type LauncherConfig struct {
	Sandboxes  *sandbox.Manager
	Rootfs     *rootfs.Store
	RuntimeDir string // holds the in-sandbox init and python/, bound at /var/runtime
	RunDir     string // per-sandbox socket directories go in RunDir/sandboxes
	Region     string
	Sink       *Sink
}

// NewLauncher returns the Launcher that starts real sandboxes.
func NewLauncher(cfg LauncherConfig) Launcher { return &launcher{cfg} }

type launcher struct{ cfg LauncherConfig }

// pythonBootstrap is how a python3.x function's process starts.
var pythonBootstrap = []string{"/usr/bin/python3", "-u", sandbox.RuntimeDir + "/python/bootstrap.py"}

func (l *launcher) Launch(ctx context.Context, req LaunchRequest) (_ Instance, retErr error) {
	fn := req.Function
	base, args := rootfs.Provided, []string{sandbox.TaskDir + "/bootstrap"}
	if strings.HasPrefix(fn.Runtime, "python") {
		base, args = rootfs.Host, pythonBootstrap
	}
	tree, err := l.cfg.Rootfs.Base(base)
	if err != nil {
		return nil, err
	}
	id := sandbox.NewID()
	socketDir := filepath.Join(l.cfg.RunDir, "sandboxes", id)
	initType := "on-demand"
	if req.Provisioned {
		initType = "provisioned-concurrency"
	}
	log := NewLog(l.cfg.Sink, fn.Name)
	creq := sandbox.CreateRequest{
		ID:          id,
		Rootfs:      tree.Path,
		CodeDir:     fn.CodeDir,
		RuntimeDir:  l.cfg.RuntimeDir,
		SocketDir:   socketDir,
		MemoryMB:    fn.MemorySize,
		EphemeralMB: fn.EphemeralStorageMB,
		Env: function.Environment(function.EnvRequest{
			Name: fn.Name, MemoryMB: fn.MemorySize, Handler: fn.Handler, Runtime: fn.Runtime,
			Region: l.cfg.Region, Vars: fn.Env, InitializationType: initType,
		}),
		Args:          args,
		UID:           rootfs.UID,
		GID:           rootfs.GID,
		Stdout:        log,
		Stderr:        log,
		DeferCPULimit: true, // init runs with boosted CPU, as in Lambda
		// The Runtime API is served straight into the sandbox's network
		// namespace: no relay in the sandbox, none of its CPU quota spent.
		RuntimeAPIAddr: function.RuntimeAPI,
	}
	for _, b := range tree.Binds {
		creq.Binds = append(creq.Binds, sandbox.Bind{Source: b.Source, Destination: b.Destination})
	}
	sb, err := l.cfg.Sandboxes.Create(creq)
	if err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			sb.Destroy()
		}
	}()
	srv := runtimeapi.Serve(sb.RuntimeListener())
	if err := sb.Start(); err != nil {
		srv.Close()
		return nil, err
	}
	return &instance{sb: sb, api: srv, log: log}, nil
}

// instance is a real sandbox with its Runtime API server.
type instance struct {
	sb  *sandbox.Sandbox
	api *runtimeapi.Server
	log *Log
}

func (i *instance) ID() string { return i.sb.ID() }

// WaitReady waits for the end of init, then caps the CPU.
func (i *instance) WaitReady(ctx context.Context) error {
	if err := i.api.WaitReady(ctx); err != nil {
		return err
	}
	return i.sb.LimitCPU()
}

func (i *instance) Invoke(ctx context.Context, inv runtimeapi.Invocation) (runtimeapi.Result, error) {
	return i.api.Invoke(ctx, inv)
}
func (i *instance) Done() <-chan struct{}         { return i.sb.Done() }
func (i *instance) Stats() (sandbox.Stats, error) { return i.sb.Stats() }
func (i *instance) Kill() error                   { return i.sb.Kill() }
func (i *instance) Freeze() error                 { return i.sb.Freeze() }
func (i *instance) Thaw() error                   { return i.sb.Thaw() }
func (i *instance) Log() *Log                     { return i.log }
func (i *instance) ExitStatus() sandbox.ExitStatus {
	select {
	case <-i.sb.Done():
		st, _ := i.sb.Wait(context.Background())
		return st
	default:
		return sandbox.ExitStatus{}
	}
}

func (i *instance) Destroy() error {
	apiErr := i.api.Close()
	if err := i.sb.Destroy(); err != nil {
		return err
	}
	if apiErr != nil && !errors.Is(apiErr, os.ErrNotExist) {
		return apiErr
	}
	return nil
}
