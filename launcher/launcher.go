package launcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/seccomp"
)

// Config is what a Launcher builds instances from.
type Config struct {
	Sandboxes  *sandbox.Manager
	Rootfs     *rootfs.Store
	RuntimeDir string // holds the in-sandbox init and python/, bound at /var/lambdad
	Region     string
	Sink       *scheduler.Sink // where every instance's log lines go
	// Spares is how many prestarted sandboxes to keep ready, at most one
	// per function (see spares); 0 for none.
	Spares int
	Clock  scheduler.Clock // nil: the real clock
	Logger *slog.Logger    // nil: discard
	// Networks are the network modes functions may run in, by name
	// (function.NetworkEgress, NetworkNone, "host"), and how each is made;
	// DefaultNetwork is the mode of a function that names none. Without
	// Networks, every sandbox has loopback only.
	Networks       map[string]Network
	DefaultNetwork string
	// Credentials are every function's AWS credentials
	// (AWS_ACCESS_KEY_ID, …), as Lambda gives a function its role's; nil
	// for none.
	Credentials *function.Credentials
	// Seccomp is every sandbox's seccomp filter; nil: seccomp.Default().
	Seccomp *seccomp.Filter
	// RuntimeAPIMaxConns bounds the connections each sandbox may hold open
	// to its Runtime API; 0: runtimeapi.DefaultMaxConns.
	RuntimeAPIMaxConns int
}

// Network is how the sandboxes of one network mode are made.
type Network struct {
	Attacher sandbox.Attacher  // gives each sandbox an interface (egress)
	Host     bool              // the host's network namespace
	Files    []rootfs.Bind     // more files bound into each sandbox (host mode's /etc/hosts, /etc/resolv.conf)
	Env      map[string]string // environment defaults (AWS_ENDPOINT_URL_LAMBDA, …); the function's own variables win
}

// Launcher starts real sandboxes: it is the scheduler's Launcher. Close
// destroys its spares.
type Launcher struct {
	cfg    Config
	spares *spares[*prepared]
}

var _ scheduler.Launcher = (*Launcher)(nil)

// New returns a Launcher; Prestart asks it for spares.
func New(cfg Config) *Launcher {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = scheduler.RealClock{}
	}
	l := &Launcher{cfg: cfg}
	l.spares = newSpares(cfg.Spares, l.prestart, cfg.Clock, cfg.Logger)
	return l
}

// Launch starts an instance of req.Function: on its spare if it has one
// (then a new spare is made for its next cold start), else from nothing.
// No spare is made from now until the instance's init is over. If ctx ends
// first, Launch gives up at the next step, destroys what it made, and
// returns ctx's error; a spare it had not yet taken stays a spare.
func (l *Launcher) Launch(ctx context.Context, req scheduler.LaunchRequest) (scheduler.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launch %s: %w", req.Function.Name, err)
	}
	l.spares.begin()
	inst, err := l.launch(ctx, req)
	if err != nil {
		l.spares.end()
	}
	return inst, err
}

func (l *Launcher) launch(ctx context.Context, req scheduler.LaunchRequest) (scheduler.Instance, error) {
	if !req.Provisioned { // a spare's environment says on-demand
		defer l.spares.want(req.Function)
		if p, ok := l.spares.take(req.Function); ok {
			inst, err := l.start(ctx, p)
			if err == nil || ctx.Err() != nil {
				return inst, err
			}
			l.cfg.Logger.Warn("spare sandbox did not start; starting another", "function", req.Function.Name, "sandbox", p.sb.ID(), "err", err)
		}
	}
	p, err := l.create(req.Function, req.Provisioned)
	if err != nil {
		return nil, err
	}
	return l.start(ctx, p)
}

// Prestart makes spares for fns, in order, while there is room.
func (l *Launcher) Prestart(fns []function.Config) {
	for _, fn := range fns {
		if !l.spares.want(fn) {
			return
		}
	}
}

// Close destroys the spares; Launch starts no more of them.
func (l *Launcher) Close() { l.spares.close() }

// Request is the sandbox fn runs in, as Launch creates it: its family's
// base tree and command, its code, limits and environment.
func (l *Launcher) Request(fn function.Config, provisioned bool) (sandbox.CreateRequest, error) {
	family := fn.Family()
	if family == nil {
		return sandbox.CreateRequest{}, fmt.Errorf("function %s: runtime %q is not one lambdad runs", fn.Name, fn.Runtime)
	}
	tree, err := l.cfg.Rootfs.Base(family.Base)
	if err != nil {
		return sandbox.CreateRequest{}, err
	}
	var net Network
	if l.cfg.Networks != nil {
		mode := fn.Network
		if mode == "" {
			mode = l.cfg.DefaultNetwork
		}
		var ok bool
		if net, ok = l.cfg.Networks[mode]; !ok {
			return sandbox.CreateRequest{}, fmt.Errorf("function %s: %w", fn.Name, NetworkError(mode, l.cfg.DefaultNetwork))
		}
	}
	args := family.Command
	// Lambda's wrapper scripts: a managed runtime's command is started by
	// the script AWS_LAMBDA_EXEC_WRAPPER names, with that command as its
	// arguments.
	if w := fn.Env["AWS_LAMBDA_EXEC_WRAPPER"]; w != "" && family.Managed {
		args = append([]string{w}, family.Command...)
	}
	env := fn.EnvRequest()
	env.Region = l.cfg.Region
	env.Defaults = net.Env
	env.Credentials = l.cfg.Credentials
	env.InitializationType = function.InitOnDemand
	if provisioned {
		env.InitializationType = function.InitProvisioned
	}
	return sandbox.CreateRequest{
		ID:            sandbox.NewID(),
		Root:          tree,
		CodeDir:       fn.CodeDir,
		RuntimeDir:    l.cfg.RuntimeDir,
		MemoryMB:      fn.MemorySize,
		EphemeralMB:   fn.EphemeralStorageMB,
		Env:           function.Environment(env),
		Args:          args,
		DeferCPULimit: true, // init runs with boosted CPU, as in Lambda
		// The Runtime API is served straight into the sandbox's network
		// namespace: only that sandbox reaches it.
		RuntimeAPIAddr: lambda.RuntimeAPIAddr,
		Network:        net.Attacher,
		HostNetwork:    net.Host,
		Files:          net.Files,
		Seccomp:        l.cfg.Seccomp,
	}, nil
}

// NetworkError says that a function asks for a network mode the daemon
// does not give.
func NetworkError(mode, daemonMode string) error {
	return fmt.Errorf("%w: the function asks for Network %q, and lambdad serve runs with --network %s", ErrNetworkMode, mode, daemonMode)
}

// ErrNetworkMode: a function asks for a network mode the daemon does not
// give (egress when it runs with --network none, say).
var ErrNetworkMode = errors.New("network mode not available")

// prepared is a sandbox set up for one function, not yet running it.
type prepared struct {
	fn   function.Config
	sb   *sandbox.Sandbox
	log  *scheduler.Log
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

// create sets up a sandbox for fn.
func (l *Launcher) create(fn function.Config, provisioned bool) (*prepared, error) {
	req, err := l.Request(fn, provisioned)
	if err != nil {
		return nil, err
	}
	log := scheduler.NewLog(l.cfg.Sink, fn.Name)
	req.Stdout, req.Stderr = log, log
	code, err := os.Stat(fn.CodeDir)
	if err != nil {
		return nil, fmt.Errorf("code of %s: %w", fn.Name, err)
	}
	sb, err := l.cfg.Sandboxes.Create(req)
	if err != nil {
		return nil, err
	}
	return &prepared{fn: fn, sb: sb, log: log, code: code}, nil
}

// prestart makes a spare for fn: a sandbox set up and entered, its init
// held before the runtime starts.
func (l *Launcher) prestart(fn function.Config) (*prepared, error) {
	p, err := l.create(fn, false)
	if err != nil {
		return nil, err
	}
	if err := p.sb.Prestart(); err != nil {
		l.destroy(p.sb)
		return nil, err
	}
	return p, nil
}

// start serves p's Runtime API and runs its runtime; p is destroyed if that
// fails, or if ctx ended before it began. The instance ends Launch's begin
// once its init is over.
func (l *Launcher) start(ctx context.Context, p *prepared) (scheduler.Instance, error) {
	if err := ctx.Err(); err != nil {
		l.destroy(p.sb)
		return nil, fmt.Errorf("launch %s: %w", p.fn.Name, err)
	}
	srv := runtimeapi.Serve(p.sb.RuntimeListener(), runtimeapi.Limits{
		MaxConns: l.cfg.RuntimeAPIMaxConns, Logger: l.cfg.Logger.With("function", p.fn.Name, "sandbox", p.sb.ID()),
	})
	if err := p.sb.Start(); err != nil {
		srv.Close()
		l.destroy(p.sb)
		return nil, err
	}
	return newInstance(p.sb, srv, p.log, l.spares.end), nil
}

func (l *Launcher) destroy(sb *sandbox.Sandbox) {
	if err := sb.Destroy(); err != nil {
		l.cfg.Logger.Error("sandbox not destroyed", "sandbox", sb.ID(), "err", err)
	}
}
