package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// coldRun is a series of cold invokes, each of a function not invoked before.
type coldRun struct {
	latencies, inits samples
	idleBefore       int // sandboxes already there when it began
}

func runCold(ctx context.Context, d *daemon, name func(int) string, from, n int) (coldRun, error) {
	client := newClient(2)
	res := coldRun{idleBefore: len(sandboxCgroups())}
	for i := from; i < from+n; i++ {
		took, init, err := coldInvoke(ctx, client, d.url, name(i))
		if err != nil {
			return coldRun{}, err
		}
		res.latencies = append(res.latencies, took)
		res.inits = append(res.inits, init)
	}
	return res, nil
}

// runColdPair is runCold of two sets of functions, a's and b's invokes
// alternating, so that the machine's drift (a shared host's load, the
// spares' replacements in the background) weighs on both alike.
func runColdPair(ctx context.Context, d *daemon, a, b func(int) string, n int) (coldRun, coldRun, error) {
	client := newClient(2)
	idle := len(sandboxCgroups())
	ra, rb := coldRun{idleBefore: idle}, coldRun{idleBefore: idle}
	for i := range n {
		for _, x := range []struct {
			name func(int) string
			res  *coldRun
		}{{a, &ra}, {b, &rb}} {
			took, init, err := coldInvoke(ctx, client, d.url, x.name(i))
			if err != nil {
				return coldRun{}, coldRun{}, err
			}
			x.res.latencies = append(x.res.latencies, took)
			x.res.inits = append(x.res.inits, init)
		}
	}
	return ra, rb, nil
}

// warmRun is one function's warm rows.
type warmRun struct {
	sequential samples
	concurrent load
	throttled  throttling // the sandboxes' CFS throttling during both
}

// runWarm warms the function up with `clients` sandboxes, then invokes it
// sequentially and from `clients` clients at once.
func runWarm(ctx context.Context, p *poster, clients, seq, conc int) (warmRun, error) {
	if _, err := p.concurrent(ctx, clients, clients*20); err != nil {
		return warmRun{}, fmt.Errorf("warm-up: %w", err)
	}
	var r warmRun
	var err error
	before := cpuThrottling()
	if r.sequential, err = p.sequential(ctx, seq); err != nil {
		return warmRun{}, err
	}
	if r.concurrent, err = p.concurrent(ctx, clients, conc); err != nil {
		return warmRun{}, err
	}
	r.throttled = cpuThrottling().sub(before)
	return r, nil
}

// rssRun is the daemon's resident memory across many warm invokes.
type rssRun struct {
	invokes             int
	before, after, peak int64
	perSecond           float64
}

func runRSS(ctx context.Context, d *daemon, p *poster, clients, n int) (rssRun, error) {
	r := rssRun{invokes: n}
	var err error
	if r.before, err = d.rss(); err != nil {
		return r, err
	}
	r.peak = r.before
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample the peak
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
				if v, err := d.rss(); err == nil {
					r.peak = max(r.peak, v)
				}
			}
		}
	}()
	l, err := p.concurrent(ctx, clients, n)
	close(stop)
	wg.Wait()
	if err != nil {
		return r, err
	}
	r.perSecond = l.perSecond
	if r.after, err = d.rss(); err != nil {
		return r, err
	}
	r.peak = max(r.peak, r.after)
	return r, nil
}

// idleRun is what n idle sandboxes cost.
type idleRun struct {
	n                         int
	rssBefore, rssAfter       int64
	availBefore, availAfter   int64
	cgroupSum                 int64   // the new sandboxes' cgroups' memory
	busyBefore, busyAfter     float64 // host CPU in use, nothing invoked, without and with them
	mountsBefore, mountsAfter int     // the host mount namespace's mounts
	throttled, roundsNeeded   int
}

// perSandbox is host memory per idle sandbox beyond its cgroup's own.
func (r idleRun) perSandbox() int64 {
	return (r.availBefore - r.availAfter - r.cgroupSum) / int64(r.n)
}

// sleepRate is how fast the sleepers are started: a 2-core host starts
// ~50 sandboxes a second; faster only queues inits against their 10 s limit.
const sleepRate = 40.0

// runIdle leaves n idle sandboxes of the sleeper function: n invokes,
// started at sleepRate, each sleeping until about when the last has started,
// so all are busy at once and each needs its own sandbox. The sleeper's
// reserved concurrency is n, so a second round tops up rather than adds.
func runIdle(ctx context.Context, d *daemon, n int) (idleRun, error) {
	r := idleRun{n: n}
	var err error
	before := sandboxCgroups()
	r.mountsBefore = hostMounts()
	if r.busyBefore, err = cpuBusy(ctx, 2*time.Second); err != nil {
		return r, err
	}
	if r.availBefore, err = memAvailable(); err != nil {
		return r, err
	}
	if r.rssBefore, err = d.rss(); err != nil {
		return r, err
	}
	client := newClient(n)
	p := &poster{client: client, url: d.url + "/2015-03-31/functions/sleep/invocations"}
	var created []string
	for round := 1; round <= 4; round++ {
		created = newCgroups(before)
		if len(created) >= n {
			break
		}
		r.roundsNeeded = round
		spread := time.Duration(float64(n) / sleepRate * float64(time.Second))
		start := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		var first error
		for i := range n {
			at := start.Add(time.Duration(i) * spread / time.Duration(n))
			select {
			case <-time.After(time.Until(at)):
			case <-ctx.Done():
				wg.Wait()
				return r, ctx.Err()
			}
			sleep := spread - time.Since(start) + 3*time.Second
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := p.post(ctx, fmt.Appendf(nil, `{"sleep_ms":%d}`, sleep.Milliseconds()))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
				case strings.Contains(err.Error(), "429"):
					r.throttled++
				case first == nil:
					first = err
				}
			}()
		}
		wg.Wait()
		if first != nil {
			return r, fmt.Errorf("sleeper invoke: %w", first)
		}
	}
	if len(created) < n {
		return r, fmt.Errorf("only %d of %d idle sandboxes after %d rounds", len(created), n, r.roundsNeeded)
	}
	client.CloseIdleConnections()
	// Let the last ones settle (CPU limit applied, pages touched) before
	// reading memory; meanwhile see what CPU the idle sandboxes use.
	if r.busyAfter, err = cpuBusy(ctx, 3*time.Second); err != nil {
		return r, err
	}
	r.mountsAfter = hostMounts()
	for _, id := range created {
		r.cgroupSum += cgroupMemory(id)
	}
	if r.availAfter, err = memAvailable(); err != nil {
		return r, err
	}
	if r.rssAfter, err = d.rss(); err != nil {
		return r, err
	}
	return r, nil
}

// newCgroups are the sandbox cgroups not in before.
func newCgroups(before map[string]bool) []string {
	var ids []string
	for id := range sandboxCgroups() {
		if !before[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// runProvisioned invokes each provisioned function once: each invoke must
// find its pre-warmed sandbox (no Init Duration).
func runProvisioned(ctx context.Context, d *daemon, fns functionsDir) (samples, error) {
	client := newClient(2)
	var out samples
	for i := range fns.provs {
		took, err := warmFirstInvoke(ctx, client, d.url, fns.prov(i))
		if err != nil {
			return nil, err
		}
		out = append(out, took)
	}
	return out, nil
}

// waitSettled waits until the number of sandboxes has stopped growing for
// two seconds (spares and provisioned sandboxes made at the daemon's start),
// and returns it.
func waitSettled(ctx context.Context, limit time.Duration) (int, error) {
	deadline := time.Now().Add(limit)
	n, since := len(sandboxCgroups()), time.Now()
	for time.Since(since) < 2*time.Second {
		if time.Now().After(deadline) {
			return n, fmt.Errorf("sandboxes still being made after %s (%d now)", limit, n)
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if m := len(sandboxCgroups()); m != n {
			n, since = m, time.Now()
		}
	}
	return n, nil
}
