package launcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/seccomp"
	"github.com/lambdad/lambdad/telemetry"
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
	// Images gives image functions their images; nil: they do not run.
	Images Images
	// RuntimeImage, if set, gives the base image a zip function of a
	// managed runtime runs on, as on Lambda (AWS's image for the runtime,
	// its code at /var/task); ok false: the family's own base tree (the
	// host's interpreter), as without it.
	RuntimeImage func(ctx context.Context, runtime string) (img Image, ok bool)
}

// Images finds a container image's unpacked root by reference (pulling it
// when the host does not have it: ctx bounds that).
type Images interface {
	Image(ctx context.Context, ref string) (Image, error)
}

// Image is a container image as a sandbox runs it: its read-only root and
// the settings of its config a sandbox takes.
type Image struct {
	Ref, Digest     string
	Tree            rootfs.Tree
	Entrypoint, Cmd []string
	Env             []string // NAME=value
	WorkingDir      string
}

// ErrNoImages: an image function, and the launcher has no image store.
var ErrNoImages = errors.New("container images are not available here")

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
	p, err := l.create(ctx, req.Function, req.Provisioned)
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

// Retire destroys the spares of revisions no invoke will ask for again
// (function.Config.Key: code or configuration changed, function deleted).
func (l *Launcher) Retire(keys []string) { l.spares.retire(keys) }

// Close destroys the spares; Launch starts no more of them.
func (l *Launcher) Close() { l.spares.close() }

// Request is the sandbox fn runs in, as Launch creates it: its family's
// base tree and command and its code, or its image's root, command and
// environment; its limits and environment. ctx bounds pulling an image.
func (l *Launcher) Request(ctx context.Context, fn function.Config, provisioned bool) (sandbox.CreateRequest, error) {
	root, err := l.root(ctx, fn)
	if err != nil {
		return sandbox.CreateRequest{}, err
	}
	var opt string
	if !fn.IsImage() {
		if root.code, opt, err = l.code(fn); err != nil {
			return sandbox.CreateRequest{}, err
		}
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
	env := fn.EnvRequest()
	env.ImageEnv = root.env
	env.Region = l.cfg.Region
	env.Defaults = net.Env
	env.Credentials = l.cfg.Credentials
	env.InitializationType = function.InitOnDemand
	if provisioned {
		env.InitializationType = function.InitProvisioned
	}
	return sandbox.CreateRequest{
		ID:            sandbox.NewID(),
		Root:          root.tree,
		CodeDir:       root.code,
		OptDir:        opt,
		Cwd:           root.cwd,
		RuntimeDir:    l.cfg.RuntimeDir,
		MemoryMB:      fn.MemorySize,
		EphemeralMB:   fn.EphemeralStorageMB,
		Env:           function.Environment(env),
		Args:          root.args,
		DeferCPULimit: true, // init runs with boosted CPU, as in Lambda
		// The Runtime API is served straight into the sandbox's network
		// namespace: only that sandbox reaches it.
		RuntimeAPIAddr: lambda.RuntimeAPIAddr,
		Network:        net.Attacher,
		HostNetwork:    net.Host,
		Files:          net.Files,
		Seccomp:        l.cfg.Seccomp,
		Extensions:     hasExtensions(opt, root.tree.Path),
	}, nil
}

// code is where fn's code and layers are on the host: its code directory,
// or its zip unpacked, and its layers merged (rootfs.Store.Unpack, which
// does the work once per zip).
func (l *Launcher) code(fn function.Config) (codeDir, optDir string, err error) {
	if fn.ZipFile == "" && len(fn.Layers) == 0 {
		return fn.CodeDir, "", nil
	}
	pkg, err := l.cfg.Rootfs.Unpack(fn.ZipFile, fn.Layers)
	if err != nil {
		return "", "", fmt.Errorf("function %s: %w", fn.Name, err)
	}
	if fn.ZipFile == "" {
		return fn.CodeDir, pkg.Opt, nil
	}
	return pkg.Code, pkg.Opt, nil
}

// root is what a sandbox of one function runs: a base tree and what is
// bound and started on it.
type root struct {
	tree rootfs.Tree
	code string   // bound at /var/task; "" for an image
	args []string // what the init starts
	cwd  string   // "" for /var/task
	env  []string // an image's ENV
}

// root is fn's: its family's base tree, command and its code directory,
// or its image's root and settings under fn's ImageConfig.
func (l *Launcher) root(ctx context.Context, fn function.Config) (root, error) {
	if fn.IsImage() {
		if l.cfg.Images == nil {
			return root{}, fmt.Errorf("function %s: image %s: %w", fn.Name, fn.ImageURI, ErrNoImages)
		}
		img, err := l.cfg.Images.Image(ctx, fn.ImageURI)
		if err != nil {
			return root{}, fmt.Errorf("function %s: image %s: %w", fn.Name, fn.ImageURI, err)
		}
		return imageRoot(fn, img)
	}
	family := fn.Family()
	if family == nil {
		return root{}, fmt.Errorf("function %s: runtime %q is not one lambdad runs", fn.Name, fn.Runtime)
	}
	if l.cfg.RuntimeImage != nil {
		if img, ok := l.cfg.RuntimeImage(ctx, fn.Runtime); ok {
			// The base image's entrypoint takes the handler, as Lambda
			// starts it; the image's CMD is its own example's.
			args := append(slices.Clip(img.Entrypoint), fn.Handler)
			return root{tree: img.Tree, code: fn.CodeDir, args: args, env: img.Env}, nil
		}
	}
	if family.Base == "" {
		return root{}, fmt.Errorf("function %s: %w", fn.Name, NoRuntimeImageError(fn.Runtime))
	}
	tree, err := l.cfg.Rootfs.Base(family.Base)
	if err != nil {
		return root{}, err
	}
	args := family.Command
	// Lambda's wrapper scripts: a managed runtime's command is started by
	// the script AWS_LAMBDA_EXEC_WRAPPER names, with that command as its
	// arguments. (A base image's own bootstrap does this itself.)
	if w := fn.Env["AWS_LAMBDA_EXEC_WRAPPER"]; w != "" && family.Managed {
		args = append([]string{w}, family.Command...)
	}
	return root{tree: tree, code: fn.CodeDir, args: args}, nil
}

// imageRoot runs img as Lambda does: ImageConfig's EntryPoint and Command
// replace the image's ENTRYPOINT and CMD, each on its own, and its
// WorkingDirectory the image's WORKDIR ("/" when neither says).
func imageRoot(fn function.Config, img Image) (root, error) {
	entry, cmd := img.Entrypoint, img.Cmd
	if ic := fn.ImageConfig; len(ic.EntryPoint) > 0 {
		entry = ic.EntryPoint
	}
	if ic := fn.ImageConfig; len(ic.Command) > 0 {
		cmd = ic.Command
	}
	args := append(slices.Clip(entry), cmd...)
	if len(args) == 0 || args[0] == "" {
		return root{}, fmt.Errorf("function %s: image %s has no ENTRYPOINT or CMD: set ImageConfig.EntryPoint", fn.Name, fn.ImageURI)
	}
	cwd := cmp.Or(fn.ImageConfig.WorkingDirectory, img.WorkingDir, "/")
	return root{tree: img.Tree, args: args, cwd: cwd, env: img.Env}, nil
}

// NoRuntimeImageError says that a runtime that runs only on its base image
// has none here.
func NoRuntimeImageError(runtime string) error {
	return fmt.Errorf("runtime %s runs only on its base image (%s), which this host does not have and cannot pull: "+
		"lambdad has no runtime of its own for it. Load the image (lambdad image load FILE), pull it (lambdad image pull), "+
		"or name another with --runtime-image %s=REF", runtime, cmp.Or(function.BaseImage(runtime), "none"), runtime)
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
	code os.FileInfo // fn.CodeDir when the sandbox bound it, or the image's root; nil for a zip
	root string      // the root it runs on
	// codeDir and optDir are the trees of fn's zip and layers it bound.
	codeDir, optDir string
	launch          *Launcher
	extLog          *scheduler.Log // its extensions' output, if it has extensions
	provisioned     bool
	spare           bool          // prestarted ahead of demand
	created         time.Duration // how long create took
}

var _ spare = (*prepared)(nil)

func (p *prepared) ID() string                { return p.sb.ID() }
func (p *prepared) Function() function.Config { return p.fn }
func (p *prepared) Destroy() error            { return p.sb.Destroy() }

// Held tells whether p is still prestarted and its code is still the
// function's: the code directory (an image's root) the function's
// directory holds (one replaced since, by rm and copy or by rename, would
// leave p running the old code), and the trees its zip and layers unpack
// to now (a changed zip or layer gives new ones).
func (p *prepared) Held() bool {
	if p.sb.State() != sandbox.Prestarted {
		return false
	}
	if p.fn.ZipFile == "" {
		now, err := os.Stat(p.codePath())
		if err != nil || p.code == nil || !os.SameFile(now, p.code) {
			return false
		}
	}
	if p.fn.IsImage() {
		// A tag loaded or pulled again since names another tree.
		img, err := p.launch.cfg.Images.Image(context.Background(), p.fn.ImageURI)
		return err == nil && img.Tree.Path == p.root
	}
	if p.fn.ZipFile == "" && len(p.fn.Layers) == 0 {
		return true
	}
	codeDir, optDir, err := p.launch.code(p.fn)
	return err == nil && codeDir == p.codeDir && optDir == p.optDir
}

// codePath is what p's code is: fn's code directory, or its image's root.
func (p *prepared) codePath() string {
	if p.fn.IsImage() {
		return p.root
	}
	return p.fn.CodeDir
}

// create sets up a sandbox for fn.
func (l *Launcher) create(ctx context.Context, fn function.Config, provisioned bool) (*prepared, error) {
	began := l.cfg.Clock.Now()
	req, err := l.Request(ctx, fn, provisioned)
	if err != nil {
		return nil, err
	}
	log := scheduler.NewLog(l.cfg.Sink, fn.Name)
	req.Stdout, req.Stderr = log, log
	p := &prepared{fn: fn, log: log, root: req.Root.Path, codeDir: req.CodeDir, optDir: req.OptDir, launch: l, provisioned: provisioned}
	if req.Extensions {
		// The extensions' output, told apart from the function's for the
		// Telemetry API.
		p.extLog = scheduler.NewLog(l.cfg.Sink, fn.Name)
		req.ExtensionOutput = p.extLog
	}
	if fn.ZipFile == "" {
		if p.code, err = os.Stat(p.codePath()); err != nil {
			return nil, fmt.Errorf("code of %s: %w", fn.Name, err)
		}
	}
	if p.sb, err = l.cfg.Sandboxes.Create(req); err != nil {
		return nil, err
	}
	p.created = l.cfg.Clock.Now().Sub(began)
	return p, nil
}

// prestart makes a spare for fn: a sandbox set up and entered, its init
// held before the runtime starts.
func (l *Launcher) prestart(fn function.Config) (*prepared, error) {
	p, err := l.create(context.Background(), fn, false)
	if err != nil {
		return nil, err
	}
	if err := p.sb.Prestart(); err != nil {
		l.destroy(p.sb)
		return nil, err
	}
	p.spare = true
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
	hub := telemetry.New(p.sb.Dial, l.cfg.Logger.With("function", p.fn.Name, "sandbox", p.sb.ID()))
	srv.SetTelemetry(hub)
	if p.extLog != nil { // the init names its extensions once it started them
		srv.PendExtensions()
	}
	p.log.SetTee(func(line []byte) { hub.Log(time.Now(), telemetry.Function, line) })
	if p.extLog != nil {
		p.extLog.SetTee(func(line []byte) { hub.Log(time.Now(), telemetry.Extension, line) })
	}
	srv.SetFunction(runtimeapi.FunctionInfo{
		Name: p.fn.Name, Version: cmp.Or(p.fn.Version, function.LatestVersion), Handler: p.fn.Handler, AccountID: function.DefaultAccount,
	})
	began := l.cfg.Clock.Now()
	if err := p.sb.Start(); err != nil {
		srv.Close()
		hub.Close()
		l.destroy(p.sb)
		return nil, err
	}
	inst := newInstance(p.sb, srv, p.log, l.spares.end)
	inst.obs = newObserver(hub, p.fn, p.provisioned)
	inst.phases = p.phases(l.cfg.Clock.Now().Sub(began))
	return inst, nil
}

func (l *Launcher) destroy(sb *sandbox.Sandbox) {
	if err := sb.Destroy(); err != nil {
		l.cfg.Logger.Error("sandbox not destroyed", "sandbox", sb.ID(), "err", err)
	}
}
