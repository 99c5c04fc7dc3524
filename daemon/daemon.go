package daemon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lambdad/lambdad/asyncq"
	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/funclog"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/host"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/launcher"
	"github.com/lambdad/lambdad/network"
	"github.com/lambdad/lambdad/rootfs/image"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/seccomp"
)

// Config configures a Daemon. Zero values mean the defaults noted.
type Config struct {
	Listen    string // the Invoke API's addresses, comma-separated host:port or unix:PATH; "": 127.0.0.1:9000
	URLListen string // the function URL listener's host:port (package funcurl); "" or "off": none
	// MetricsListen is the host:port of Prometheus's /metrics (package
	// metrics); "": none, and no metrics are kept.
	MetricsListen string
	FunctionsDir  string // one subdirectory per function; "": DefaultFunctionsDir, or none with a Template
	// Template is a SAM or CloudFormation template whose functions are
	// served too (package template), its parameters overridden by
	// TemplateParams; "": none.
	Template       string
	TemplateParams map[string]string
	StateDir       string // "": DefaultStateDir
	RunDir         string // "": DefaultRunDir
	RuntimeDir     string // holds the in-sandbox init and runtime clients; required
	CgroupParent   string // "": sandbox.DefaultCgroupParent
	Region         string // "": function.DefaultRegion

	IdleTimeout     time.Duration // idle sandboxes older than this are destroyed; 0: never
	MaxSandboxes    int           // 0: no limit
	MemoryBudgetMB  int           // sum of the sandboxes' MemorySize; 0: 3/4 of the host's memory
	AsyncRetryDelay time.Duration // before the first retry of a failed Event invoke (the second waits twice as long); 0: a minute
	Spares          int           // prestarted sandboxes, at most one per function; 0: none
	FreezeIdle      bool          // freeze idle sandboxes (cgroup freezer)
	Watch           bool          // reload FunctionsDir and Template when they change (hot reload)
	ShutdownTimeout time.Duration // how long Run lets in-flight invokes finish when its ctx ends; 0: 30 s

	// MaxPids is the host pids all sandboxes may hold together: the
	// cgroup parent's pids.max. Each instance reserves its own 1024
	// against it, each spare launcher.SparePids, so that a start that
	// does not fit is throttled up front. 0: half the smaller of
	// kernel.pid_max and kernel.threads-max.
	MaxPids int

	// Functions' output, per sandbox (scheduler.SinkConfig): bytes per
	// second written to Output (prefixes included), and the burst; beyond
	// them output is dropped and a platform.logsDropped line says how much.
	// 0: scheduler.DefaultLogRate and DefaultLogBurst (1 MiB/s, 4 MiB);
	// negative: no limit.
	LogRate, LogBurst int
	// LogRetainBytes bounds each function's log kept in StateDir's logs
	// (LogsDir; package funclog): what Output gets of it, rotated. 0:
	// DefaultLogRetainBytes (16 MiB); negative: none kept.
	LogRetainBytes int64

	// Network: the daemon's mode (network.Egress, None, Host; "": egress)
	// and, for egress, its bridge and subnet ("": lambdad0 and
	// 10.213.0.0/16), the host's TCP ports sandboxes may reach, and the
	// host's resolver configuration ("": /etc/resolv.conf).
	Network        string
	Bridge         string
	Subnet         netip.Prefix
	HostPorts      []uint16
	ResolvConf     string
	AWSEndpointURL string // every sandbox's AWS_ENDPOINT_URL; "": none

	// RuntimeImages are the images managed runtimes' zip functions run on,
	// by runtime (or "*" for every other): a reference, or HostRuntime for
	// the host's interpreter; a runtime not named runs on AWS's base image
	// (function.BaseImage) when the host has it or can pull it, else on the
	// host's interpreter.
	RuntimeImages map[string]string
	// Registries: mirrors tried before Docker Hub for its images, and
	// host[:port]s reached over plain HTTP (image.Options).
	RegistryMirrors, InsecureRegistries []string

	// Seccomp is the sandboxes' seccomp profile, as seccomp.Load reads it:
	// "default" (also ""), "unconfined" or a profile file.
	Seccomp string

	// Who may invoke: a unix Listen socket's group (a name or gid; "":
	// root's), and a key file (sigv4.ParseKeys' format) that makes every
	// request need a SigV4 signature made with one of its keys ("": none
	// needed). Sandboxes then sign with a key of their own.
	ListenGroup string
	AuthKeys    string

	// Bounds on what functions and clients can make the daemon hold.
	RuntimeAPIMaxConns int   // connections each sandbox may hold open to its Runtime API; 0: runtimeapi.DefaultMaxConns (32)
	MaxInflightBytes   int64 // Invoke API request bodies held at once; 0: invokeapi.DefaultMaxInflightBytes (256 MB)
	AsyncQueueMaxBytes int64 // bytes of Event invocations queued; 0: scheduler.DefaultQueueMaxBytes (256 MB)
	AsyncQueueMax      int   // Event invocations queued; 0: scheduler.DefaultQueueCapacity (100000)
	MaxClientConns     int   // connections one remote address (a sandbox) may hold open to the Invoke API; loopback is not limited; 0: invokeapi.DefaultMaxClientConns (64)

	// SandboxUIDs is the first of the sandbox.UIDsPerRange host uids (and
	// gids) the sandboxes run as, two per sandbox, each sandbox in a user
	// namespace where it is lambda.UID; 0: sandbox.DefaultFirstUID. Two
	// daemons on one host need ranges apart.
	SandboxUIDs int

	// Host tuning (package host).
	TmpfsRunDir  bool // mount a tmpfs on RunDir unless it is one
	FavorDynmods bool // remount the cgroup2 hierarchy with favordynmods

	// The host's interpreters, which python3.N and nodejsN.x functions run
	// on (function.ProbeHost; nil: probed at New). A function declaring
	// another release line than the host's is refused unless
	// AllowRuntimeMismatch.
	HostInterpreters     function.HostInterpreters
	AllowRuntimeMismatch bool

	Logger *slog.Logger // the daemon's own log; nil: slog.Default()
	Output io.Writer    // functions' output and START/END/REPORT lines; nil: os.Stdout
}

// The defaults of Config.LogRate and LogBurst.
const (
	DefaultLogRate  = scheduler.DefaultLogRate
	DefaultLogBurst = scheduler.DefaultLogBurst
)

// Daemon is lambdad serve: the Invoke API over the functions of a
// directory, each invoke run in a sandbox.
type Daemon struct {
	cfg       Config
	logger    *slog.Logger
	functions *catalog.Catalog // every function served: the API's and --functions'
	// What reloads the functions directory needs: its last good functions
	// (used only by New, then by the watcher's goroutine).
	loader    function.Loader
	check     func(function.Config) error
	static    map[string]function.Config
	reloadMu  sync.Mutex // one reload at a time (two directories may be watched)
	launcher  *launcher.Launcher
	sched     *scheduler.Scheduler
	queue     *scheduler.Queue
	events    *asyncq.Store  // the queue's events, on disk
	lns       []net.Listener // the Invoke API's; lns[0] is Addr
	srv       *http.Server
	urlLn     net.Listener // the function URLs'; nil: none
	urlSrv    *http.Server
	metrics   daemonMetrics    // metrics.go; none without Config.MetricsListen
	network   *network.Network // nil unless the mode is egress
	sandboxes *sandbox.Manager
	sink      *scheduler.Sink // the functions' output
	logs      *funclog.Store  // and its copy per function; nil: none

	cancelBackground context.CancelFunc // ends the scheduler's and the queue's loops
	background       sync.WaitGroup     // those loops
	unmountRunDir    func() error       // undoes TmpfsRunDir

	shutdownOnce sync.Once
	shutdownErr  error
	stopped      chan struct{} // closed when Shutdown is over
}

// New assembles the daemon and starts its background work (provisioned
// sandboxes, spares, the idle reaper, the async queue); Run serves the
// Invoke API. Sandboxes a crashed daemon left in the run directory are
// destroyed first. On error nothing is left running.
func New(cfg Config) (_ *Daemon, retErr error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.RuntimeDir == "" {
		return nil, errors.New("daemon: no runtime directory (the in-sandbox init)")
	}
	verifier, creds, err := authentication(cfg.AuthKeys) // before changing anything
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	filter, err := seccomp.Load(cfg.Seccomp)
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if filter.IsUnconfined() {
		cfg.Logger.Warn("sandboxes run without a seccomp filter (--seccomp unconfined)")
	}
	instancePids, err := instancePids(cfg.MaxPids, cfg.Spares)
	if err != nil {
		return nil, err
	}
	warnFileLimit(cfg, cfg.Logger)
	d := &Daemon{cfg: cfg, logger: cfg.Logger, unmountRunDir: func() error { return nil }, stopped: make(chan struct{})}
	var undo []func()
	defer func() {
		if retErr != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()

	if cfg.TmpfsRunDir {
		unmount, err := host.RunDirOnTmpfs(cfg.RunDir)
		if err != nil {
			return nil, err
		}
		d.unmountRunDir = unmount
		undo = append(undo, func() { unmount() })
	}
	if cfg.FavorDynmods {
		if mnt, err := host.FavorDynmods(); err != nil {
			d.logger.Warn("cgroup2 not remounted with favordynmods: each sandbox start may wait for an RCU grace period", "err", err)
		} else if mnt != "" {
			d.logger.Info("remounted cgroup2 with favordynmods: sandbox starts wait for no RCU grace period", "mount", mnt)
		}
	}
	store, err := RootfsStore(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	if err := sandbox.CheckReachable(store.Dir()); err != nil { // else every start would fail
		return nil, fmt.Errorf("daemon: --state-dir: %w", err)
	}
	mgr, err := SandboxManager(cfg.RunDir, cfg.CgroupParent, cfg.SandboxUIDs)
	if err != nil {
		return nil, err
	}
	if err := mgr.Cleanup(); err != nil {
		d.logger.Error("cleaning up after an earlier run", "err", err)
	}
	d.sandboxes = mgr
	mgr.MakeUserNSAhead(userNSAhead)
	if err := mgr.SetupParent(int64(cfg.MaxPids)); err != nil {
		return nil, fmt.Errorf("daemon: --max-pids: %w", err)
	}
	undo = append(undo, func() { d.removeCgroupParent() })
	// lambdad before 2026-12 kept a socket directory per sandbox here.
	os.RemoveAll(filepath.Join(cfg.RunDir, "sandboxes"))

	if d.lns, err = listen(cfg.Listen, cfg.ListenGroup); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	undo = append(undo, d.closeListeners)
	for i, ln := range d.lns {
		d.lns[i] = invokeapi.LimitClients(ln, cfg.MaxClientConns, d.logger)
	}
	if d.urlLn, err = listenURLs(cfg.URLListen); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if d.urlLn != nil {
		undo = append(undo, func() { d.urlLn.Close() })
	}
	if err := d.listenMetrics(); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	undo = append(undo, d.closeMetrics)
	nets, err := d.networks(invokeAddr(d.lns))
	if err != nil {
		return nil, err
	}
	if d.network != nil {
		undo = append(undo, func() { d.network.Close() })
	}
	if cfg.HostInterpreters == nil {
		cfg.HostInterpreters = function.ProbeHost(context.Background())
	}
	imgStore, err := image.Open(image.Options{StateDir: cfg.StateDir, Mirrors: cfg.RegistryMirrors, Insecure: cfg.InsecureRegistries, Logger: d.logger})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	im := newImages(storeSource{imgStore, d.logger}, cfg.RuntimeImages, d.logger)
	loader := function.Loader{Host: cfg.HostInterpreters, AllowMismatch: cfg.AllowRuntimeMismatch,
		OnImage: func(runtime string) bool { _, ok := im.RuntimeImage(context.Background(), runtime); return ok }}
	check := checker(store, im, nets, cfg.Network)
	if d.functions, err = openCatalog(cfg.StateDir, loader, check, d); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	undo = append(undo, func() { d.functions.Close() })
	d.loader, d.check = loader, check
	static, broken, aliases, err := d.loadStatic()
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	logLoaded(static, broken, d.logger)
	d.static = static
	d.functions.SetStatic(static, broken, aliases)
	if removed, err := imgStore.Prune(im.inUse(d.functions.Configs(true))); err != nil {
		d.logger.Warn("unused images not pruned", "err", err)
	} else if len(removed) > 0 {
		d.logger.Info("pruned what no image and no function uses", "removed", removed)
	}
	provisioned, _ := allotProvisioned(d.functions.Provisioned(), cfg.MaxSandboxes, cfg.MemoryBudgetMB, d.logger)
	sinkCfg := scheduler.SinkConfig{Writer: cfg.Output, Rate: cfg.LogRate, Burst: cfg.LogBurst}
	if cfg.LogRetainBytes >= 0 {
		if d.logs, err = funclog.Open(LogsDir(cfg.StateDir), cfg.LogRetainBytes, d.logger); err != nil {
			return nil, fmt.Errorf("daemon: %w", err)
		}
		sinkCfg.Archive = d.logs
		undo = append(undo, func() { d.logs.Close() })
	}
	d.sink = scheduler.NewSinkWith(sinkCfg)
	d.launcher = launcher.New(launcher.Config{
		Sandboxes: mgr, Rootfs: store, RuntimeDir: cfg.RuntimeDir, Region: cfg.Region,
		Sink: d.sink, Spares: cfg.Spares, Logger: d.logger,
		Networks: nets, DefaultNetwork: cfg.Network, Credentials: &creds,
		Seccomp:            filter,
		RuntimeAPIMaxConns: cfg.RuntimeAPIMaxConns,
		Images:             im,
		RuntimeImage:       im.RuntimeImage,
	})
	undo = append(undo, d.launcher.Close)
	d.sched = scheduler.New(scheduler.Config{
		Launcher:       d.launcher,
		MaxSandboxes:   cfg.MaxSandboxes,
		MemoryBudgetMB: cfg.MemoryBudgetMB,
		MaxPids:        instancePids,
		IdleTimeout:    cfg.IdleTimeout,
		Provisioned:    provisioned,
		FreezeIdle:     cfg.FreezeIdle,
		Logger:         d.logger,
		Observer:       d.observer(),
	})
	undo = append(undo, func() { d.sched.Shutdown(context.Background()) })
	if d.events, err = asyncq.Open(AsyncQueuePath(cfg.StateDir)); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	undo = append(undo, func() { d.events.Close() })
	d.queue = scheduler.NewQueue(scheduler.QueueConfig{
		Invoker: asyncInvoker{d.sched}, RetryDelays: []time.Duration{cfg.AsyncRetryDelay, 2 * cfg.AsyncRetryDelay}, Logger: d.logger,
		MaxBytes: cfg.AsyncQueueMaxBytes, Capacity: cfg.AsyncQueueMax,
		Store: d.events, Resolve: d.resolveEvent,
	})
	api := invokeapi.Config{
		Functions: d.functions, Invoker: d.sched, Queue: d.enqueuer(), Region: cfg.Region, Logger: d.logger,
		Limits:           invokeapi.Limits{MaxInflightBytes: cfg.MaxInflightBytes},
		Verifier:         verifier,
		ProvisionedReady: d.sched.ProvisionedReady,
		FunctionURL:      d.functionURL,
	}
	d.srv = invokeapi.NewServer(api)
	d.watchMetrics()
	d.urlSrv = d.urlServer(api)

	d.launcher.Prestart(d.functions.Functions())
	background, cancel := context.WithCancel(context.Background())
	d.cancelBackground = cancel
	d.background.Add(2)
	go func() { defer d.background.Done(); d.sched.Run(background) }()
	go func() { defer d.background.Done(); d.queue.Run(background) }()
	if cfg.Watch {
		for _, dir := range d.watchDirs() {
			d.background.Add(1)
			go func() { defer d.background.Done(); d.watchFunctions(background, dir) }()
		}
	}
	return d, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:9000"
	}
	if cfg.FunctionsDir == "" && cfg.Template == "" {
		cfg.FunctionsDir = DefaultFunctionsDir
	}
	if cfg.StateDir == "" {
		cfg.StateDir = DefaultStateDir
	}
	if cfg.RunDir == "" {
		cfg.RunDir = DefaultRunDir
	}
	if cfg.Region == "" {
		cfg.Region = function.DefaultRegion
	}
	if cfg.Network == "" {
		cfg.Network = string(network.Egress)
	}
	if cfg.ResolvConf == "" {
		cfg.ResolvConf = "/etc/resolv.conf"
	}
	if cfg.MemoryBudgetMB == 0 {
		cfg.MemoryBudgetMB = defaultMemoryBudget()
	}
	if cfg.AsyncRetryDelay == 0 {
		cfg.AsyncRetryDelay = time.Minute
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	if cfg.MaxPids == 0 {
		n, err := defaultMaxPids()
		if err != nil {
			return cfg, err
		}
		cfg.MaxPids = n
	}
	return cfg, nil
}

// Addr is the Invoke API's (first) address.
func (d *Daemon) Addr() net.Addr { return d.lns[0].Addr() }

// Run serves the Invoke API until ctx ends, then shuts down (in-flight
// invokes get Config.ShutdownTimeout to finish) and returns once every
// sandbox is destroyed. It also returns when Shutdown is called, or when
// serving fails (then after shutting down, with the failure).
func (d *Daemon) Run(ctx context.Context) error {
	served := make(chan error, len(d.lns)+2)
	var addrs []string
	for _, ln := range d.lns {
		go func() { served <- d.srv.Serve(ln) }()
		addrs = append(addrs, ln.Addr().String())
	}
	if d.urlLn != nil {
		go func() { served <- d.urlSrv.Serve(d.urlLn) }()
		d.logger.Info("serving function URLs", "listen", d.urlLn.Addr().String())
	}
	d.serveMetrics(served)
	d.logger.Info("lambdad serving", "listen", strings.Join(addrs, ","), "signed_requests_only", d.cfg.AuthKeys != "",
		"functions", len(d.functions.Functions()), "broken", len(d.functions.Broken()),
		"memory_budget_mb", d.cfg.MemoryBudgetMB, "max_sandboxes", d.cfg.MaxSandboxes, "max_pids", d.cfg.MaxPids)
	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) { // Shutdown was called
			<-d.stopped
			return d.shutdownErr
		}
		return errors.Join(fmt.Errorf("daemon: %w", err), d.Shutdown(context.Background()))
	case <-ctx.Done():
		bound, cancel := context.WithTimeout(context.Background(), d.cfg.ShutdownTimeout)
		defer cancel()
		stopped := make(chan error, 1)
		go func() { stopped <- d.Shutdown(bound) }()
		margin := time.NewTimer(d.cfg.ShutdownTimeout + TeardownMargin)
		defer margin.Stop()
		select {
		case err := <-stopped:
			return err
		case <-margin.C:
			d.logger.Error("stopping took longer than --shutdown-timeout and the teardown margin; leaving what is left to the next start's cleanup",
				"shutdown_timeout", d.cfg.ShutdownTimeout, "margin", TeardownMargin)
			return fmt.Errorf("daemon: %w", ErrStopTooLong)
		}
	}
}

// userNSAhead is how many sandbox user namespaces the daemon keeps made
// ahead once its sandboxes outgrow the slots made so far: a cold start
// without a spare then need not start the namespace's holder process (~1
// ms alone, ~5 ms on a busy host) itself.
const userNSAhead = 4

// TeardownMargin is how long Run's stop may take beyond ShutdownTimeout:
// killing what still runs and destroying every sandbox and the network
// (typically well under a second; a few seconds for hundreds of sandboxes).
// Past it Run returns ErrStopTooLong, and the next daemon on the same
// directories destroys what is left, as after a crash.
const TeardownMargin = 10 * time.Second

// ErrStopTooLong: Run's stop outlasted ShutdownTimeout and TeardownMargin.
var ErrStopTooLong = errors.New("stop took longer than the shutdown timeout and the teardown margin")

// Shutdown stops accepting invokes, lets those in flight finish until ctx
// ends, then kills what still runs and destroys every sandbox, spares
// included, and undoes the run directory's tmpfs. It returns once nothing
// is left; later calls wait for the first and return its result.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.shutdownOnce.Do(func() {
		defer close(d.stopped)
		d.logger.Info("shutting down: no new invoke starts; in-flight ones may finish", "queued_events", d.queue.Pending())
		// Nothing new starts from here: no queued event, no invoke of a
		// request already read, no provisioned sandbox.
		d.queue.Stop()
		d.sched.StopAccepting()
		served := make(chan struct{})
		go func() {
			defer close(served)
			d.srv.Shutdown(ctx) // closes the listener; waits for in-flight requests until ctx ends
			d.closeListeners()  // if Run never served them; a unix socket's file goes
		}()
		urlsServed := make(chan struct{})
		go func() { defer close(urlsServed); d.shutdownURLs(ctx) }()
		d.sched.Shutdown(ctx) // in-flight invokes until ctx ends, then kill and destroy
		<-served              // their requests answer once their invokes returned
		<-urlsServed
		d.srv.Close() // connections still open past ctx (a client's slow body)
		d.urlSrv.Close()
		d.closeMetrics()
		d.cancelBackground()
		d.background.Wait()
		d.launcher.Close()    // after the scheduler's Shutdown: no Launch is left
		d.sink.Flush()        // every sandbox's output, now that none is left
		if d.network != nil { // after every sandbox
			if err := d.network.Close(); err != nil {
				d.shutdownErr = err
				d.logger.Error("network not removed", "err", err)
			}
		}
		if d.logs != nil { // after the sink's last write
			d.logs.Close()
		}
		if err := d.removeCgroupParent(); err != nil { // before the tmpfs that records it
			d.shutdownErr = err
		}
		if err := d.functions.Close(); err != nil {
			d.shutdownErr = err
			d.logger.Error("catalog not closed", "err", err)
		}
		if err := d.events.Close(); err != nil { // after the queue's loop (background)
			d.shutdownErr = err
			d.logger.Error("async queue's store not closed", "err", err)
		}
		if err := d.unmountRunDir(); err != nil {
			d.shutdownErr = err
			d.logger.Error("leaving the run directory mounted", "err", err)
			return
		}
		d.logger.Info("stopped; every sandbox destroyed")
	})
	<-d.stopped
	return d.shutdownErr
}

// removeCgroupParent removes the sandboxes' cgroup parent if lambdad made
// it and it is empty; one still in use (a lambdad run, another daemon on
// the same parent) is left, with a warning.
func (d *Daemon) removeCgroupParent() error {
	err := d.sandboxes.RemoveParent()
	switch {
	case errors.Is(err, sandbox.ErrParentInUse):
		d.logger.Warn("cgroup parent left: other sandboxes are in it", "err", err)
		return nil
	case err != nil:
		d.logger.Error("cgroup parent not removed", "err", err)
	}
	return err
}

// LocalCredentials are every function's AWS credentials, as Lambda gives a
// function its role's: not valid for AWS, but an AWS SDK needs some to sign
// a call, and lambdad (and a LocalStack) accept any signature. Without
// them, function code's SDK looks further — a cloud's metadata service
// among others.
var LocalCredentials = function.Credentials{AccessKeyID: "lambdad", SecretAccessKey: "lambdad"}

// defaultMemoryBudget is 3/4 of the host's memory, in MB (0 if unknown:
// no budget).
func defaultMemoryBudget() int {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err == nil {
				return kb / 1024 * 3 / 4
			}
		}
	}
	return 0
}
