package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// lifecycle is BenchmarkLifecycle's result: p50/p99 of a lambdad sandbox
// and of `runc run`, both of /bin/true on the same rootfs, and of building
// a sandbox's OCI spec and converting it to libcontainer's config.
type lifecycle struct {
	runs, specRuns      int
	lambdad, runc, spec [2]time.Duration // p50, p99
}

// runLifecycle runs sandbox/bench_test.go's BenchmarkLifecycle and parses
// the summary it prints ("lambdad  14ms  18.8ms", "runc run  20.5ms  24ms").
func runLifecycle(ctx context.Context, repo string, runs int) (lifecycle, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", "^$", "-bench", "Lifecycle",
		"-benchtime", fmt.Sprintf("%dx", runs), "./sandbox/")
	cmd.Dir = repo
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return lifecycle{}, fmt.Errorf("go test -bench Lifecycle ./sandbox/: %w\n%s", err, out)
	}
	res := lifecycle{runs: runs}
	var got int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var dst *[2]time.Duration
		switch {
		case len(f) == 3 && f[0] == "lambdad":
			dst = &res.lambdad
		case len(f) == 4 && f[0] == "runc" && f[1] == "run":
			dst, f = &res.runc, f[1:]
		case len(f) >= 3 && f[0] == "spec": // optional: "spec  10µs  30µs  (spec → …, 400 runs)"
			for i := range 2 {
				res.spec[i], _ = time.ParseDuration(f[i+1])
			}
			if i := strings.Index(sc.Text(), "config, "); i >= 0 {
				fmt.Sscanf(sc.Text()[i+len("config, "):], "%d runs", &res.specRuns)
			}
			continue
		default:
			continue
		}
		for i := range 2 {
			d, err := time.ParseDuration(f[i+1])
			if err != nil {
				return lifecycle{}, fmt.Errorf("BenchmarkLifecycle line %q: %w", sc.Text(), err)
			}
			dst[i] = d
		}
		got++
	}
	if got != 2 {
		return lifecycle{}, fmt.Errorf("BenchmarkLifecycle printed no lambdad and runc run lines (is runc installed?):\n%s", out)
	}
	return res, nil
}

func (l lifecycle) pair(v [2]time.Duration) string { return fmt.Sprintf("%s / %s", ms(v[0]), ms(v[1])) }
