package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// progress says what the benchmark is doing, on stderr.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// run measures everything, in an order that keeps each row's conditions
// clean: the sandbox lifecycle before the daemon starts, cold invokes with
// no idle sandboxes first, the idle sandboxes last.
func run(ctx context.Context, cfg config) (_ *results, retErr error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("run as root (sudo make bench): sandboxes need it")
	}
	repo, err := filepath.Abs(cfg.repo)
	if err != nil {
		return nil, err
	}
	binary := filepath.Join(repo, "bin", "lambdad")
	echoBootstrap := filepath.Join(repo, "examples", "functions", "echo", "bootstrap")
	for _, f := range []string{binary, filepath.Join(repo, "bin", "runtime", "init"), echoBootstrap} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%s is missing: run `make build examples` first (or `sudo make bench`)", f)
		}
	}
	if left := leftoverCgroups(); len(left) > 0 {
		return nil, fmt.Errorf("sandbox cgroups from an earlier run are still under %s (%s …): remove them first", cgroupParent, left[0])
	}
	work, err := os.MkdirTemp("", "lambdad-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	// Searchable by the sandboxes' root (a host uid of their range): the
	// base trees are in here.
	if err := os.Chmod(work, 0o711); err != nil {
		return nil, err
	}
	res := &results{cfg: cfg, started: time.Now()}

	imageRef, stopRegistry, err := imageRegistry(echoBootstrap)
	if err != nil {
		return nil, err
	}
	defer stopRegistry()
	progress("image pull and unpack of the echo example as an image, %d times, each into a new state directory", cfg.pulls)
	if res.pulls, err = runPulls(ctx, binary, work, imageRef, cfg.pulls); err != nil {
		return nil, err
	}

	progress("building the functions (bench/fn for the sleeper)")
	fns := functionsDir{dir: filepath.Join(work, "functions"), colds: 2 * cfg.cold, nospares: cfg.cold, provs: cfg.nProv, nones: cfg.cold,
		images: cfg.cold, imageRef: imageRef}
	if err := fns.build(ctx, repo, echoBootstrap, cfg.nIdle); err != nil {
		return nil, err
	}

	progress("sandbox lifecycle, lambdad and runc run, %d runs each (go test -bench Lifecycle ./sandbox/)", cfg.runs)
	if res.lifecycle, err = runLifecycle(ctx, repo, cfg.runs); err != nil {
		return nil, err
	}

	progress("Go echo server, its own process: %d sequential, %d from %d clients", cfg.warm, cfg.concurrent, cfg.clients)
	if res.echo, err = runEcho(ctx, cfg, startEchoProcess); err != nil {
		return nil, err
	}
	progress("Go echo server in this process: %d sequential, %d from %d clients", cfg.warm, cfg.concurrent, cfg.clients)
	if res.echoInProcess, err = runEcho(ctx, cfg, startEchoInProcess); err != nil {
		return nil, err
	}

	budget := (7*cfg.cold+cfg.nProv+cfg.nIdle+2*cfg.clients)*128 + 2*cfg.clients*1769
	// A spare for each cnone-I and cold-I function (they come first by
	// name), none for the nospare-I and nsnone-I ones.
	spares := []string{"--spares", strconv.Itoa(fns.spares())}
	d, err := startDaemon(ctx, daemonConfig{
		binary: binary, functions: fns.dir, workDir: work,
		maxSandboxes: 7*cfg.cold + cfg.nProv + cfg.nIdle + 4*cfg.clients, memoryMB: budget,
		// Every runtime on the host, as measured before images: no pull
		// of AWS's base images.
		extra: append(append(spares, "--runtime-image", "*=host"), strings.Fields(cfg.serveFlags)...),
	})
	if err != nil {
		return nil, err
	}
	progress("lambdad serve on %s (log: %s)", d.url, d.log)
	defer func() {
		res.destroyed = len(sandboxCgroups())
		progress("stopping lambdad serve (SIGTERM), %d sandboxes", res.destroyed)
		start := time.Now()
		if err := d.stop(3 * time.Minute); err != nil && retErr == nil {
			retErr = err
		}
		res.shutdown = time.Since(start)
		if retErr != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "bench: the daemon's last lines:\n%s\n", tail(d.log, 30))
		}
		if left := leftoverCgroups(); len(left) > 0 {
			res.warnings = append(res.warnings, fmt.Sprintf("WARNING: %d sandbox cgroups left under %s, e.g. %s", len(left), cgroupParent, left[0]))
			fmt.Fprintln(os.Stderr, "bench:", res.warnings[len(res.warnings)-1])
		}
	}()

	if res.settled, err = waitSettled(ctx, 5*time.Minute); err != nil {
		return nil, err
	}
	progress("%d spares and provisioned sandboxes made at start", res.settled)
	progress("cold invokes with no idle sandbox: %d, each of a function not invoked before, on its spare; as many with Network none, alternating", cfg.cold)
	if res.cold0, res.coldNone, err = runColdPair(ctx, d, fns.cold, fns.coldNone, cfg.cold); err != nil {
		return nil, err
	}
	// The used spares' replacements are made in the background: let them
	// be, so that the next rows measure invokes, not that work.
	if _, err = waitSettled(ctx, 5*time.Minute); err != nil {
		return nil, err
	}
	progress("cold invokes of functions without a spare: %d; as many with Network none, alternating", cfg.cold)
	if res.coldNoSpare, res.coldNoSpareNone, err = runColdPair(ctx, d, fns.nospare, fns.nospareNone, cfg.cold); err != nil {
		return nil, err
	}
	progress("cold invokes of image functions without a spare (the image's tree cached): %d; as many of the same as a directory, alternating", cfg.cold)
	if res.coldImage, res.coldImageDir, err = runColdPair(ctx, d, fns.image, fns.imageDir, cfg.cold); err != nil {
		return nil, err
	}
	progress("first invokes of %d functions with ProvisionedConcurrency 1", cfg.nProv)
	if res.provisioned, err = runProvisioned(ctx, d, fns); err != nil {
		return nil, err
	}

	client := newClient(cfg.clients)
	for _, fn := range []string{"echo", "echo-1769"} {
		progress("warm invokes of %s: %d sequential, %d from %d clients", fn, cfg.warm, cfg.concurrent, cfg.clients)
		p := &poster{client: client, url: d.url + "/2015-03-31/functions/" + fn + "/invocations"}
		w, err := runWarm(ctx, p, cfg.clients, cfg.warm, cfg.concurrent)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		if fn == "echo" {
			res.warm = w
		} else {
			res.warm1769 = w
		}
	}

	progress("daemon RSS across %d warm invokes of echo from %d clients", cfg.nWarm, cfg.clients)
	p := &poster{client: client, url: d.url + "/2015-03-31/functions/echo/invocations"}
	if res.rss, err = runRSS(ctx, d, p, cfg.clients, cfg.nWarm); err != nil {
		return nil, err
	}
	client.CloseIdleConnections()

	progress("%d idle sandboxes of bench/fn (started at %.0f/s)", cfg.nIdle, sleepRate)
	if res.idle, err = runIdle(ctx, d, cfg.nIdle); err != nil {
		return nil, err
	}

	progress("cold invokes with %d sandboxes idle: %d", len(sandboxCgroups()), cfg.cold)
	if res.coldIdle, err = runCold(ctx, d, fns.cold, cfg.cold, cfg.cold); err != nil {
		return nil, err
	}
	res.host = hostLine()
	return res, nil
}

// hostLine names the machine: CPUs, memory, kernel, cgroup mode.
func hostLine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	total, _ := statusKB("/proc/meminfo", "MemTotal:")
	cpus := 0
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cpus = strings.Count(string(data), "\nprocessor")
		if strings.HasPrefix(string(data), "processor") {
			cpus++
		}
	}
	mode := "cgroup v1 (hybrid)"
	if unified() {
		mode = "cgroup v2"
	}
	return fmt.Sprintf("%d CPUs, %.0f GiB, Linux %s, %s", cpus, float64(total)/(1<<30), strings.TrimSpace(string(kernel)), mode)
}

// runEcho measures the echo server that start starts, as the warm rows
// measure lambdad.
func runEcho(ctx context.Context, cfg config, start func(context.Context) (*echoServer, error)) (warmRun, error) {
	echo, err := start(ctx)
	if err != nil {
		return warmRun{}, err
	}
	defer echo.close()
	p := &poster{client: newClient(cfg.clients), url: echo.url}
	res, err := runWarm(ctx, p, cfg.clients, cfg.warm, cfg.concurrent)
	if err != nil {
		return warmRun{}, fmt.Errorf("echo server: %w", err)
	}
	return res, nil
}
