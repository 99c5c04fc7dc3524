package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/scheduler"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the Lambda Invoke API for the functions in a directory",
		Description: "Each subdirectory DIR/<name>/ of --functions is the function <name>: its code, and an\n" +
			"optional function.json with CreateFunction's fields (Runtime, Handler, MemorySize, Timeout,\n" +
			"Environment, EphemeralStorage, ReservedConcurrentExecutions).",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9000", Usage: "address of the Invoke API"},
			&cli.StringFlag{Name: "functions", Value: "/var/lib/lambdad/functions", Usage: "directory of functions, one subdirectory each"},
			&cli.DurationFlag{Name: "idle-timeout", Value: 5 * time.Minute, Usage: "destroy sandboxes idle this long"},
			&cli.IntFlag{Name: "max-sandboxes", Value: 256, Usage: "sandboxes at most, all functions together"},
			&cli.IntFlag{Name: "memory-budget", Usage: "MB the sandboxes' MemorySize may add up to (default: 3/4 of the host's memory)"},
			&cli.StringFlag{Name: "region", Value: function.DefaultRegion, Usage: "the region functions and ARNs name"},
			&cli.DurationFlag{Name: "async-retry-delay", Value: time.Minute, Usage: "wait before the first retry of a failed Event invoke (the second waits twice as long)"},
			&cli.IntFlag{Name: "spares", Value: defaultSpares, Usage: "prestarted sandboxes kept ready for cold starts, at most one per function; 0 for none"},
			&cli.BoolFlag{Name: "freeze-idle", Usage: "freeze idle sandboxes (cgroup freezer) and thaw them for the next invoke, as Lambda does"},
			&cli.BoolFlag{Name: "favordynmods", Value: true, Usage: "remount the host's cgroup2 hierarchy with favordynmods (Linux 6.0+; it stays after lambdad exits): a sandbox start then waits for no RCU grace period, ~10-20 ms here; --favordynmods=false leaves the host's mounts alone"},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: 30 * time.Second, Usage: "how long in-flight invokes may finish on SIGTERM"},
		}, dirFlags()...),
		Action: serveAction,
	}
}

func serveAction(c *cli.Context) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	rtDir, err := runtimeDir(c.String("runtime-dir"))
	if err != nil {
		return err
	}
	runDir := c.String("run-dir")
	// Once sealed, os.Executable names the sealed copy: the runtime directory
	// found beside the binary travels in the flag's variable.
	os.Setenv("LAMBDAD_RUNTIME_DIR", rtDir)
	if err := sandbox.RunSealed(runDir); err != nil {
		logger.Warn("running unsealed: libcontainer seals a copy of lambdad for every sandbox", "err", err)
	}
	unmountRunDir, err := runDirOnTmpfs(runDir)
	if err != nil {
		return err
	}
	defer func() {
		if err := unmountRunDir(); err != nil {
			logger.Error("leaving the run directory mounted", "err", err)
		}
	}()
	if c.Bool("favordynmods") {
		if mnt, err := sandbox.FavorDynmods(); err != nil {
			logger.Warn("cgroup2 not remounted with favordynmods: each sandbox start may wait for an RCU grace period", "err", err)
		} else if mnt != "" {
			logger.Info("remounted cgroup2 with favordynmods: sandbox starts wait for no RCU grace period", "mount", mnt)
		}
	}
	store, err := rootfsStore(c)
	if err != nil {
		return err
	}
	mgr, err := sandboxManager(c)
	if err != nil {
		return err
	}
	if err := mgr.Cleanup(); err != nil {
		logger.Error("cleaning up after an earlier run", "err", err)
	}
	os.RemoveAll(filepath.Join(runDir, "sandboxes")) // their sandboxes are gone

	reg, err := loadFunctions(c.String("functions"), logger)
	if err != nil {
		return err
	}
	budget := c.Int("memory-budget")
	if budget == 0 {
		budget = defaultMemoryBudget()
	}
	launcher := scheduler.NewLauncher(scheduler.LauncherConfig{
		Sandboxes: mgr, Rootfs: store, RuntimeDir: rtDir, RunDir: runDir,
		Region: c.String("region"), Sink: scheduler.NewSink(os.Stdout),
		Spares: c.Int("spares"), Logger: logger,
	})
	defer launcher.Close() // after the scheduler's Shutdown: no Launch is left
	launcher.Prestart(reg.byName())
	sched := scheduler.New(scheduler.Config{
		Launcher:       launcher,
		MaxSandboxes:   c.Int("max-sandboxes"),
		MemoryBudgetMB: budget,
		IdleTimeout:    c.Duration("idle-timeout"),
		Provisioned:    reg.provisioned(),
		FreezeIdle:     c.Bool("freeze-idle"),
		Logger:         logger,
	})
	retry := c.Duration("async-retry-delay")
	queue := scheduler.NewQueue(scheduler.QueueConfig{
		Invoker: sched, RetryDelays: []time.Duration{retry, 2 * retry}, Logger: logger,
	})
	ln, err := net.Listen("tcp", c.String("listen"))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: invokeapi.NewHandler(invokeapi.Config{
			Functions: reg, Invoker: sched, Queue: queue, Region: c.String("region"), Logger: logger,
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	background, cancelBackground := context.WithCancel(context.Background())
	go sched.Run(background)
	queueDone := make(chan struct{})
	go func() { queue.Run(background); close(queueDone) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("lambdad serving", "listen", ln.Addr().String(), "functions", len(reg.fns),
		"broken", len(reg.errs), "memory_budget_mb", budget, "max_sandboxes", c.Int("max-sandboxes"))

	select {
	case err := <-served:
		cancelBackground()
		sched.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	bound, cancel := context.WithTimeout(context.Background(), c.Duration("shutdown-timeout"))
	defer cancel()
	srv.Shutdown(bound) // stop accepting; wait for in-flight HTTP requests
	cancelBackground()
	<-queueDone
	sched.Shutdown(bound)
	launcher.Close()
	logger.Info("stopped; every sandbox destroyed")
	return nil
}

// defaultSpares bounds the prestarted sandboxes: each holds a process and a
// cgroup, ~1.3 MB of memory on the development VM.
const defaultSpares = 32

// loadFunctions loads every function; broken ones are logged and kept with
// their error, so invoking them says what is wrong.
func loadFunctions(dir string, logger *slog.Logger) (*registry, error) {
	fns, errs, err := function.LoadAll(dir)
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	names := make([]string, 0, len(fns))
	for name := range fns {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fn := fns[name]
		logger.Info("function loaded", "function", name, "runtime", fn.Runtime, "memory_mb", fn.MemorySize, "timeout_s", fn.Timeout)
	}
	for name, err := range errs {
		logger.Error("function cannot be loaded", "function", name, "err", err)
	}
	return &registry{fns: fns, errs: errs}, nil
}

// defaultMemoryBudget is 3/4 of the host's memory, in MB.
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
