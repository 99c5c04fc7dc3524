package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/host"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/network"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/template"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the Lambda API: invoke the functions of a directory, and deploy others with the control plane",
		Description: "Each subdirectory DIR/<name>/ of --functions is the function <name>: its code, and an\n" +
			"optional function.json with CreateFunction's fields (Runtime, Handler, MemorySize, Timeout,\n" +
			"Environment, EphemeralStorage, ReservedConcurrentExecutions, ProvisionedConcurrency, Code.ZipFile,\n" +
			"Layers, PackageType Image with ImageUri and ImageConfig). DIR/<name>.zip is the function <name>\n" +
			"too, with DIR/<name>.json as its function.json. The directory is watched: changes take effect\n" +
			"for the next invoke (--watch=false: at the next start). Functions deployed through the control\n" +
			"plane (aws lambda create-function ...) persist in --state-dir.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9000", Usage: "addresses of the Invoke API, comma-separated: host:port, or unix:PATH for a unix socket (mode 0660, owner root, group --listen-group)"},
			&cli.StringFlag{Name: "url-listen", Value: "127.0.0.1:9001", Usage: "address (host:port) of the function URLs' listener: http://<url-id>.lambda-url.localhost:PORT/ or http://HOST:PORT/<url-id>/; off: none"},
			&cli.StringFlag{Name: "metrics-listen", Usage: "address (host:port, e.g. 127.0.0.1:9090) of Prometheus's /metrics: invocations, errors, throttles, starts and their phases, sandboxes, the async queue (default: none, and no metrics kept)"},
			&cli.StringFlag{Name: "listen-group", Usage: "group (name or gid) of --listen's unix sockets, whose members may invoke (default: root's)"},
			&cli.StringFlag{Name: "auth-keys", Usage: "file of access keys, one 'ACCESS_KEY_ID SECRET_ACCESS_KEY' a line (# comments; no access for other users): every request must then be SigV4-signed with one of them, as the aws CLI and SDKs sign (default: no signature checked)"},
			&cli.StringFlag{Name: "functions", Value: daemon.DefaultFunctionsDir, Usage: "directory of functions, one subdirectory each"},
			&cli.StringFlag{Name: "template", Aliases: []string{"t"}, Usage: "an AWS SAM or CloudFormation template (YAML or JSON) whose AWS::Serverless::Function and AWS::Lambda::Function resources are served too, code from their local CodeUri/Code (run sam build first for code it builds); alone, without --functions, only its functions"},
			&cli.StringSliceFlag{Name: "parameter-overrides", Usage: "the template's parameters, as sam takes them: 'Key=Value Key2=Value2' or ParameterKey=Key,ParameterValue=Value (repeatable)"},
			&cli.BoolFlag{Name: "watch", Value: true, Usage: "reload --functions when a file in it changes (hot reload; debounced; sandboxes of the old code go once idle)"},
			&cli.DurationFlag{Name: "idle-timeout", Value: 5 * time.Minute, Usage: "destroy sandboxes idle this long"},
			&cli.IntFlag{Name: "max-sandboxes", Value: 256, Usage: "sandboxes at most, all functions together"},
			&cli.IntFlag{Name: "memory-budget", Usage: "MB the sandboxes' MemorySize may add up to (default: 3/4 of the host's memory)"},
			&cli.IntFlag{Name: "max-pids", Usage: "host pids (processes and threads) all sandboxes may hold together, the pids.max of --cgroup-parent; each sandbox reserves its own 1024, each spare 32, and a start that does not fit is throttled (default: half the smaller of kernel.pid_max and kernel.threads-max)"},
			&cli.StringFlag{Name: "region", Value: function.DefaultRegion, Usage: "the region functions and ARNs name"},
			&cli.DurationFlag{Name: "async-retry-delay", Value: time.Minute, Usage: "wait before the first retry of a failed Event invoke (the second waits twice as long)"},
			&cli.IntFlag{Name: "spares", Value: defaultSpares, Usage: "prestarted sandboxes kept ready for cold starts, at most one per function; 0 for none"},
			&cli.BoolFlag{Name: "allow-runtime-mismatch", Usage: "run a python3.N or nodejsN.x function on the host's interpreter even when its release line differs from the declared one (python3.12 on the host's 3.11); the daemon's log and each START line say what really runs"},
			&cli.BoolFlag{Name: "freeze-idle", Usage: "freeze idle sandboxes (cgroup freezer) and thaw them for the next invoke, as Lambda does"},
			&cli.BoolFlag{Name: "favordynmods", Value: true, Usage: "remount the host's cgroup2 hierarchy with favordynmods (Linux 6.0+; it stays after lambdad exits): a sandbox start then waits for no RCU grace period, ~10-20 ms here; --favordynmods=false leaves the host's mounts alone"},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: 30 * time.Second, Usage: "how long in-flight invokes may finish on SIGTERM (then they are killed; the stop takes at most this and a 10 s teardown margin)"},
			&cli.IntFlag{Name: "log-rate", Value: daemon.DefaultLogRate, Usage: "bytes per second a sandbox's output may add to the daemon's output (prefixes included); beyond it and --log-burst output is dropped, and a platform.logsDropped line says how much; -1: no limit"},
			&cli.IntFlag{Name: "log-burst", Value: daemon.DefaultLogBurst, Usage: "bytes a sandbox's output may add at once, above --log-rate"},
			&cli.Int64Flag{Name: "log-retain-bytes", Value: daemon.DefaultLogRetainBytes, Usage: "bytes of each function's log kept in --state-dir/logs/<function>/ (rotated; read with lambdad logs); 0: none kept"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "the daemon's own log on stderr: text or json (log/slog's handlers)"},
			&cli.StringFlag{Name: "network", Value: string(network.Egress), Usage: "sandboxes' network: egress (the world through NAT, the host's --host-ports at host.lambdad.internal), none (loopback only) or host (the host's network namespace); a function's function.json may ask for none"},
			&cli.StringFlag{Name: "subnet", Value: network.DefaultSubnet, Usage: "egress: the sandboxes' IPv4 subnet (the bridge has its first address); refused if it overlaps the host's routes"},
			&cli.StringFlag{Name: "bridge", Value: network.DefaultBridge, Usage: "egress: the bridge's name, also its nftables tables'"},
			&cli.StringFlag{Name: "host-ports", Usage: "egress: the host's TCP ports sandboxes may reach at host.lambdad.internal, e.g. 4566,8000 (the Invoke API's is always allowed)"},
			&cli.StringFlag{Name: "aws-endpoint-url", Usage: "AWS_ENDPOINT_URL inside sandboxes, for every AWS service but Lambda (e.g. http://host.lambdad.internal:4566 for a LocalStack on the host; its port is then allowed)"},
			seccompFlag(),
			runtimeImageFlag(),
			&cli.Int64Flag{Name: "max-inflight-bytes", Value: invokeapi.DefaultMaxInflightBytes, Usage: "bytes of Invoke API request bodies held at once, all requests together; beyond, 429 TooManyRequestsException"},
			&cli.IntFlag{Name: "async-queue-max", Value: scheduler.DefaultQueueCapacity, Usage: "Event invocations queued at once (kept in <state-dir>/async/queue.db until they ran); beyond, 429 TooManyRequestsException"},
			&cli.Int64Flag{Name: "async-queue-max-bytes", Value: scheduler.DefaultQueueMaxBytes, Usage: "bytes of Event invocations queued at once (payloads, plus 1 KB each); beyond, 429 TooManyRequestsException"},
			&cli.IntFlag{Name: "max-client-conns", Value: invokeapi.DefaultMaxClientConns, Usage: "connections one remote address (a sandbox, through host.lambdad.internal) may hold open to the Invoke API at once; more are closed at once; loopback clients are not limited"},
			&cli.IntFlag{Name: "runtime-api-max-conns", Value: runtimeapi.DefaultMaxConns, Usage: "connections a sandbox may hold open to its Runtime API at once (a runtime needs one or two); more are closed at once"},
			sandboxUIDsFlag(serveUIDs),
			&cli.StringFlag{Name: "resolv-conf", Value: "/etc/resolv.conf", Usage: "the host's resolver configuration the sandboxes' is made from"},
		}, append(registryFlags(), dirFlags()...)...),
		Action: serveAction,
	}
}

// defaultSpares bounds the prestarted sandboxes: each holds a process and a
// cgroup, ~1.3 MB of memory on the development VM.
const defaultSpares = 32

func serveAction(c *cli.Context) error {
	logger, err := daemonLogger(c.String("log-format"))
	if err != nil {
		return cli.Exit("serve: --log-format: "+err.Error(), 2)
	}
	rtDir, err := runtimeDir(c.String("runtime-dir"))
	if err != nil {
		return err
	}
	// Once sealed, os.Executable names the sealed copy: the runtime directory
	// found beside the binary travels in the flag's variable.
	os.Setenv("LAMBDAD_RUNTIME_DIR", rtDir)
	if err := host.RunSealed(); err != nil {
		logger.Warn("running unsealed: libcontainer seals a copy of lambdad for every sandbox", "err", err)
	}
	mode, err := network.ParseMode(c.String("network"))
	if err != nil {
		return cli.Exit("serve: --"+err.Error(), 2)
	}
	subnet, err := netip.ParsePrefix(c.String("subnet"))
	if err != nil {
		return cli.Exit("serve: --subnet: "+err.Error(), 2)
	}
	ports, err := network.ParsePorts(c.String("host-ports"))
	if err != nil {
		return cli.Exit("serve: --host-ports: "+err.Error(), 2)
	}
	rtImages, err := runtimeImages(c.StringSlice("runtime-image"))
	if err != nil {
		return cli.Exit("serve: "+err.Error(), 2)
	}
	params, err := template.ParseOverrides(c.StringSlice("parameter-overrides")...)
	if err != nil {
		return cli.Exit("serve: --parameter-overrides: "+err.Error(), 2)
	}
	tmpl, functionsDir := c.String("template"), c.String("functions")
	if tmpl != "" {
		if tmpl, err = filepath.Abs(tmpl); err != nil {
			return cli.Exit("serve: --template: "+err.Error(), 2)
		}
		if !c.IsSet("functions") { // the template's functions only
			functionsDir = ""
		}
	}
	// SIGTERM from now on stops the daemon cleanly: New listens, and a
	// client that saw it listen may signal it before Run.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	d, err := daemon.New(daemon.Config{
		Template:           tmpl,
		TemplateParams:     params,
		RuntimeImages:      rtImages,
		RegistryMirrors:    c.StringSlice("registry-mirror"),
		InsecureRegistries: c.StringSlice("insecure-registry"),
		Listen:             c.String("listen"),
		URLListen:          c.String("url-listen"),
		MetricsListen:      c.String("metrics-listen"),
		ListenGroup:        c.String("listen-group"),
		AuthKeys:           c.String("auth-keys"),
		FunctionsDir:       functionsDir,
		Watch:              c.Bool("watch"),
		StateDir:           c.String("state-dir"),
		RunDir:             c.String("run-dir"),
		RuntimeDir:         rtDir,
		CgroupParent:       c.String("cgroup-parent"),
		SandboxUIDs:        c.Int("sandbox-uids"),
		Region:             c.String("region"),
		IdleTimeout:        c.Duration("idle-timeout"),
		MaxSandboxes:       c.Int("max-sandboxes"),
		MemoryBudgetMB:     c.Int("memory-budget"),
		MaxPids:            c.Int("max-pids"),
		AsyncRetryDelay:    c.Duration("async-retry-delay"),
		Spares:             c.Int("spares"),
		FreezeIdle:         c.Bool("freeze-idle"),
		ShutdownTimeout:    c.Duration("shutdown-timeout"),
		LogRate:            c.Int("log-rate"),
		LogBurst:           c.Int("log-burst"),
		LogRetainBytes:     retainBytes(c.Int64("log-retain-bytes")),
		Network:            string(mode),
		Bridge:             c.String("bridge"),
		Subnet:             subnet,
		HostPorts:          ports,
		AWSEndpointURL:     c.String("aws-endpoint-url"),
		ResolvConf:         c.String("resolv-conf"),
		Seccomp:            c.String("seccomp"),
		TmpfsRunDir:        true,
		FavorDynmods:       c.Bool("favordynmods"),
		Logger:             logger,
		Output:             os.Stdout,

		HostInterpreters:     function.ProbeHost(c.Context),
		AllowRuntimeMismatch: c.Bool("allow-runtime-mismatch"),

		// What functions and clients can make the daemon hold.
		RuntimeAPIMaxConns: c.Int("runtime-api-max-conns"),
		MaxClientConns:     c.Int("max-client-conns"),
		MaxInflightBytes:   c.Int64("max-inflight-bytes"),
		AsyncQueueMaxBytes: c.Int64("async-queue-max-bytes"),
		AsyncQueueMax:      c.Int("async-queue-max"),
	})
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// daemonLogger is the daemon's own log on stderr, in format text or json.
func daemonLogger(format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	}
	return nil, fmt.Errorf("%q is neither text nor json", format)
}

// retainBytes is --log-retain-bytes as daemon.Config's: 0 keeps none.
func retainBytes(flag int64) int64 {
	if flag <= 0 {
		return -1
	}
	return flag
}
