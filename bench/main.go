// Command bench is lambdad's benchmark: one table of p50/p99 (and req/s)
// for sandbox lifecycle, cold and warm invokes, idle sandboxes' cost and the
// daemon's memory, each next to a baseline measured in the same run, with
// the project's targets marked PASS or MISS. Run it as root from the
// repository's root, after `make build examples`:
//
//	sudo make bench          # go run ./bench
//	sudo go run ./bench -quick
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// config is the benchmark's sizes.
type config struct {
	repo       string
	runs       int // sandbox lifecycles, lambdad and runc each
	cold       int // cold invokes, with 0 and with nIdle idle sandboxes each
	warm       int // sequential warm invokes
	concurrent int // warm invokes from `clients` clients
	clients    int
	nProv      int    // functions with ProvisionedConcurrency 1, each invoked once
	nIdle      int    // idle sandboxes
	nWarm      int    // warm invokes across which the daemon's RSS is watched
	pulls      int    // image pulls, each into a new state directory
	serveFlags string // more flags for lambdad serve, e.g. --freeze-idle
}

func main() {
	if os.Getenv(echoEnv) != "" {
		runEchoProcess()
	}
	cfg := config{}
	quick := flag.Bool("quick", false, "small counts, for a smoke run (~1 min); explicit flags still win")
	flag.StringVar(&cfg.repo, "repo", ".", "the lambdad repository (with bin/lambdad built)")
	flag.IntVar(&cfg.runs, "runs", 300, "sandbox create→start→exit→destroy runs, lambdad and runc each")
	flag.IntVar(&cfg.cold, "n-cold", 100, "cold invokes, with none and with -n-idle sandboxes idle each")
	flag.IntVar(&cfg.warm, "n-seq", 10000, "sequential warm invokes (lambdad and the echo server each)")
	flag.IntVar(&cfg.concurrent, "n-conc", 20000, "warm invokes from -clients clients at once")
	flag.IntVar(&cfg.clients, "clients", 8, "concurrent clients")
	flag.IntVar(&cfg.nProv, "n-prov", 20, "functions with ProvisionedConcurrency 1, each invoked once")
	flag.IntVar(&cfg.nIdle, "n-idle", 500, "idle sandboxes")
	flag.IntVar(&cfg.nWarm, "n-warm", 100000, "warm invokes across which the daemon's RSS is watched")
	flag.IntVar(&cfg.pulls, "n-pull", 10, "lambdad image pull runs, each into a new state directory")
	flag.StringVar(&cfg.serveFlags, "serve-flags", "", "more flags for lambdad serve, e.g. --freeze-idle")
	flag.Parse()
	if *quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		small := map[string]*int{"runs": &cfg.runs, "n-cold": &cfg.cold, "n-seq": &cfg.warm,
			"n-conc": &cfg.concurrent, "n-idle": &cfg.nIdle, "n-warm": &cfg.nWarm, "n-prov": &cfg.nProv, "n-pull": &cfg.pulls}
		sizes := map[string]int{"runs": 20, "n-cold": 10, "n-seq": 500, "n-conc": 2000, "n-idle": 20, "n-warm": 2000, "n-prov": 5, "n-pull": 3}
		for name, p := range small {
			if !set[name] {
				*p = sizes[name]
			}
		}
	}
	if cfg.runs < 1 || cfg.cold < 1 || cfg.warm < 1 || cfg.concurrent < 1 || cfg.clients < 1 || cfg.nIdle < 1 || cfg.nWarm < 1 || cfg.nProv < 1 || cfg.pulls < 1 {
		fmt.Fprintln(os.Stderr, "bench: every count must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	res.print(os.Stdout)
}
