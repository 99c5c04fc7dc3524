package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

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
	// Spares is how many prestarted sandboxes to keep ready, at most one
	// per function (see spares); 0 for none.
	Spares int
	Logger *slog.Logger
}

// SandboxLauncher is the Launcher that starts real sandboxes. Close
// destroys its spares.
type SandboxLauncher struct {
	cfg    LauncherConfig
	spares *spares[*prepared]
}

// NewLauncher returns the Launcher that starts real sandboxes.
func NewLauncher(cfg LauncherConfig) *SandboxLauncher {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l := &SandboxLauncher{cfg: cfg}
	l.spares = newSpares(cfg.Spares, l.prestart, cfg.Logger)
	return l
}

// pythonBootstrap is how a python3.x function's process starts.
var pythonBootstrap = []string{"/usr/bin/python3", "-u", sandbox.RuntimeDir + "/python/bootstrap.py"}

// Launch starts an instance of req.Function: on its spare if it has one
// (then a new spare is made for its next cold start), else from nothing.
// No spare is made from now until the instance's init is over.
func (l *SandboxLauncher) Launch(ctx context.Context, req LaunchRequest) (Instance, error) {
	l.spares.begin()
	inst, err := l.launch(req)
	if err != nil {
		l.spares.end()
	}
	return inst, err
}

func (l *SandboxLauncher) launch(req LaunchRequest) (Instance, error) {
	if !req.Provisioned { // a spare's environment says on-demand
		defer l.spares.want(req.Function)
		if p, ok := l.spares.take(req.Function); ok {
			inst, err := l.start(p)
			if err == nil {
				return inst, nil
			}
			l.cfg.Logger.Warn("spare sandbox did not start; starting another", "function", req.Function.Name, "sandbox", p.sb.ID(), "err", err)
		}
	}
	p, err := l.create(req)
	if err != nil {
		return nil, err
	}
	return l.start(p)
}

// Prestart makes spares for fns, in order, while there is room.
func (l *SandboxLauncher) Prestart(fns []function.Config) {
	for _, fn := range fns {
		if !l.spares.want(fn) {
			return
		}
	}
}

// Close destroys the spares; Launch starts no more of them.
func (l *SandboxLauncher) Close() { l.spares.close() }

// prepared is a sandbox set up for one function, not yet running it.
type prepared struct {
	fn   function.Config
	sb   *sandbox.Sandbox
	log  *Log
	code os.FileInfo // fn.CodeDir when the sandbox bound it
}

var _ spare = (*prepared)(nil)

func (p *prepared) ID() string                { return p.sb.ID() }
func (p *prepared) Function() function.Config { return p.fn }
func (p *prepared) Destroy() error            { return p.sb.Destroy() }

// Held tells whether p is still prestarted and its code directory is still
// the one the function's directory holds: a directory replaced since (a
// redeploy by rm and copy, or by rename) would leave p running the old code.
func (p *prepared) Held() bool {
	now, err := os.Stat(p.fn.CodeDir)
	return p.sb.State() == sandbox.Prestarted && err == nil && p.code != nil && os.SameFile(now, p.code)
}

// create sets up a sandbox for req.Function.
func (l *SandboxLauncher) create(req LaunchRequest) (*prepared, error) {
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
	code, err := os.Stat(fn.CodeDir)
	if err != nil {
		return nil, fmt.Errorf("code of %s: %w", fn.Name, err)
	}
	sb, err := l.cfg.Sandboxes.Create(creq)
	if err != nil {
		return nil, err
	}
	return &prepared{fn: fn, sb: sb, log: log, code: code}, nil
}

// prestart makes a spare for fn: a sandbox set up and entered, its init
// held before the runtime starts.
func (l *SandboxLauncher) prestart(fn function.Config) (*prepared, error) {
	p, err := l.create(LaunchRequest{Function: fn})
	if err != nil {
		return nil, err
	}
	if err := p.sb.Prestart(); err != nil {
		p.sb.Destroy()
		return nil, err
	}
	return p, nil
}

// start serves p's Runtime API and runs its runtime; p is destroyed if that
// fails. The instance ends Launch's begin once its init is over.
func (l *SandboxLauncher) start(p *prepared) (Instance, error) {
	srv := runtimeapi.Serve(p.sb.RuntimeListener())
	if err := p.sb.Start(); err != nil {
		srv.Close()
		if derr := p.sb.Destroy(); derr != nil {
			l.cfg.Logger.Error("sandbox not destroyed", "function", p.fn.Name, "sandbox", p.sb.ID(), "err", derr)
		}
		return nil, err
	}
	return &instance{sb: p.sb, api: srv, log: p.log, started: sync.OnceFunc(l.spares.end)}, nil
}

// instance is a real sandbox with its Runtime API server.
type instance struct {
	sb      *sandbox.Sandbox
	api     *runtimeapi.Server
	log     *Log
	started func() // once: its init is over (or it is gone)
}

func (i *instance) ID() string { return i.sb.ID() }

// WaitReady waits for the end of init, then caps the CPU.
func (i *instance) WaitReady(ctx context.Context) error {
	defer i.started()
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
func (i *instance) PeakMemory() (uint64, error)   { return i.sb.PeakMemory() }
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
	i.started()
	apiErr := i.api.Close()
	if err := i.sb.Destroy(); err != nil {
		return err
	}
	if apiErr != nil && !errors.Is(apiErr, os.ErrNotExist) {
		return apiErr
	}
	return nil
}
