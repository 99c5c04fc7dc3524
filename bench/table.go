package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// results is everything measured in one run.
type results struct {
	cfg             config
	started         time.Time
	host            string
	lifecycle       lifecycle
	echo            warmRun // the echo server in its own process: the baseline
	echoInProcess   warmRun // the same in the driver's process
	settled         int     // spares and provisioned sandboxes made at start
	cold0, coldIdle coldRun
	coldNoSpare     coldRun
	coldNone        coldRun // on spares, functions with Network none
	coldNoSpareNone coldRun // without, Network none
	pulls           samples // lambdad image pull of the echo image into a new state dir
	coldImage       coldRun // image functions, no spare, the tree cached
	coldImageDir    coldRun // the same code as a directory, no spare
	provisioned     samples
	warm, warm1769  warmRun
	rss             rssRun
	idle            idleRun
	shutdown        time.Duration
	destroyed       int // sandboxes the shutdown destroyed
	warnings        []string
}

// verdict is PASS or MISS.
func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// print writes the table (Markdown) and the notes under it.
func (r *results) print(w io.Writer) {
	c := r.cfg
	runc := r.lifecycle.runc
	fmt.Fprintf(w, "\nlambdad benchmark, %s — %s\n\n", r.started.Format("2006-01-02 15:04"), r.host)
	fmt.Fprintln(w, "| row | lambdad p50 / p99 | baseline, same run | target | |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	row := func(cells ...string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }

	row(fmt.Sprintf("sandbox create→start→exit→destroy of /bin/true (%d runs)", r.lifecycle.runs),
		r.lifecycle.pair(r.lifecycle.lambdad), "`runc run`: "+r.lifecycle.pair(runc), "—", "")

	specGoal := r.lifecycle.lambdad[0] / 100
	row(fmt.Sprintf("sandbox spec → libcontainer config (specconv), per start (%d)", r.lifecycle.specRuns),
		r.lifecycle.pair(r.lifecycle.spec), "sandbox lifecycle: "+r.lifecycle.pair(r.lifecycle.lambdad),
		"p50 ≤ 1% of the lifecycle = "+ms(specGoal), verdict(r.lifecycle.spec[0] > 0 && r.lifecycle.spec[0] <= specGoal))

	coldGoal := runc[0] / 2
	row(fmt.Sprintf("cold invoke, client to response, new sandbox each: its spare (%d)", c.cold),
		r.cold0.latencies.pair(), "`runc run`: "+r.lifecycle.pair(runc),
		"p50 ≤ 0.5 × runc = "+ms(coldGoal), verdict(r.cold0.latencies.p50() <= coldGoal))
	row(fmt.Sprintf("cold invoke, no spare: sandbox set up on demand (%d)", c.cold),
		r.coldNoSpare.latencies.pair(), "`runc run`: "+r.lifecycle.pair(runc),
		"p50 ≤ 0.5 × runc = "+ms(coldGoal), verdict(r.coldNoSpare.latencies.p50() <= coldGoal))
	netRow := func(label string, egress, none coldRun, extra time.Duration) {
		goal := none.latencies.p50() + extra
		row(fmt.Sprintf("cold invoke, %s, network egress (the default) (%d)", label, c.cold), egress.latencies.pair(),
			"network none: "+none.latencies.pair(), fmt.Sprintf("p50 ≤ none + %s = %s", ms(extra), ms(goal)),
			verdict(egress.latencies.p50() <= goal))
	}
	netRow("on its spare", r.cold0, r.coldNone, time.Millisecond)
	netRow("no spare", r.coldNoSpare, r.coldNoSpareNone, 3*time.Millisecond)
	row(fmt.Sprintf("image pull + unpack: `lambdad image pull` of the echo example as an image, from a registry on loopback, into a new state directory (%d)", len(r.pulls)),
		r.pulls.pair(), "—", "—", "")
	row(fmt.Sprintf("cold invoke, no spare: an image function, its tree cached (%d)", c.cold), r.coldImage.latencies.pair(),
		"the same code as a directory: "+r.coldImageDir.latencies.pair(), "—", "")
	row("first cold start of an image function: its pull + a cold start (p50s added)", ms(r.pulls.p50()+r.coldImage.latencies.p50()),
		"the same code as a directory, no spare: "+ms(r.coldImageDir.latencies.p50()), "—", "")
	row(fmt.Sprintf("first invoke of a function with ProvisionedConcurrency 1 (%d)", len(r.provisioned)),
		r.provisioned.pair(), "cold on a spare: "+r.cold0.latencies.pair(),
		"no cold start", verdict(true)) // a cold start fails the run

	warmRows := func(label string, wr warmRun) {
		seqGoal := r.echo.sequential.p50() + 300*time.Microsecond
		ok := wr.sequential.p50() <= seqGoal && wr.sequential.p99() <= 2*time.Millisecond
		row(fmt.Sprintf("warm invoke%s, sequential (%d)", label, c.warm), wr.sequential.pair(),
			"Go echo server (own process): "+r.echo.sequential.pair(),
			fmt.Sprintf("p50 ≤ echo + 0.3 = %s; p99 ≤ 2 ms", ms(seqGoal)), verdict(ok))
		ratio := wr.concurrent.perSecond / r.echo.concurrent.perSecond
		row(fmt.Sprintf("warm invoke%s, %d clients (%d)", label, c.clients, c.concurrent),
			fmt.Sprintf("%s, **%.0f req/s**", wr.concurrent.latencies.pair(), wr.concurrent.perSecond),
			fmt.Sprintf("echo server: %s, %.0f req/s", r.echo.concurrent.latencies.pair(), r.echo.concurrent.perSecond),
			fmt.Sprintf("≥ 50%% of echo's req/s (%.1f%%)", 100*ratio), verdict(ratio >= 0.5))
	}
	warmRows("", r.warm)

	ratio := float64(r.coldIdle.latencies.p50()) / float64(r.cold0.latencies.p50())
	row(fmt.Sprintf("cold invoke with %d idle sandboxes (%d)", r.idle.n, c.cold), r.coldIdle.latencies.pair(),
		fmt.Sprintf("with none idle: %s", r.cold0.latencies.pair()),
		fmt.Sprintf("p50 ≤ 1.25 × none (%.2f ×)", ratio), verdict(ratio <= 1.25))

	per := r.idle.perSandbox()
	row(fmt.Sprintf("%d idle sandboxes: daemon RSS; host memory per sandbox beyond its cgroup's", r.idle.n),
		fmt.Sprintf("RSS %s → %s; **%s per sandbox** (its cgroup: %s)", mb(r.idle.rssBefore), mb(r.idle.rssAfter),
			mb(per), mb(r.idle.cgroupSum/int64(r.idle.n))),
		"—", "≤ 2 MB per sandbox", verdict(per <= 2<<20))

	growth := float64(r.rss.after-r.rss.before) / float64(r.rss.before)
	row(fmt.Sprintf("%d warm invokes, %d clients: daemon RSS", r.rss.invokes, c.clients),
		fmt.Sprintf("%s → %s (%+.1f%%; peak %s), %.0f req/s", mb(r.rss.before), mb(r.rss.after), 100*growth, mb(r.rss.peak), r.rss.perSecond),
		"—", "flat ±10%", verdict(growth <= 0.10 && growth >= -0.10))

	warmRows(", 1769 MB (1 vCPU)", r.warm1769)

	fmt.Fprintln(w)
	fmt.Fprintf(w, "Cold starts: Init Duration (REPORT line, every one checked) p50 %s on a spare with none idle, %s without a spare, %s on a spare with %d sandboxes there (idle and spares); with Network none %s on a spare, %s without.\n",
		ms(r.cold0.inits.p50()), ms(r.coldNoSpare.inits.p50()), ms(r.coldIdle.inits.p50()), r.coldIdle.idleBefore,
		ms(r.coldNone.inits.p50()), ms(r.coldNoSpareNone.inits.p50()))
	fmt.Fprintf(w, "Spares: lambdad serve --spares %d; with the provisioned sandboxes, %d sandboxes were made at its start, before any invoke.\n",
		r.cfg.cold*3, r.settled)
	for _, x := range []struct {
		fn string
		wr warmRun
	}{{"echo (128 MB, CPU quota 7%% of a CPU)", r.warm}, {"echo-1769 (1 CPU)", r.warm1769}} {
		fmt.Fprintf(w, "Warm rows of "+x.fn+": sandboxes CFS-throttled in %d periods, %s in all.\n",
			x.wr.throttled.periods, x.wr.throttled.time.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "Go echo server in the driver's own process (client and server on one Go scheduler, no other process woken; the baseline of tables before 2026-11-30): sequential %s, %d clients %s, %.0f req/s.\n",
		r.echoInProcess.sequential.pair(), c.clients, r.echoInProcess.concurrent.latencies.pair(), r.echoInProcess.concurrent.perSecond)
	fmt.Fprintf(w, "Idle sandboxes: MemAvailable %s → %s; their cgroups %s in all; started in %d round(s), %d throttled extra invokes.\n",
		mb(r.idle.availBefore), mb(r.idle.availAfter), mb(r.idle.cgroupSum), r.idle.roundsNeeded, r.idle.throttled)
	fmt.Fprintf(w, "Host CPU in use while nothing is invoked: %.1f%% before the idle sandboxes, %.1f%% with them; host mounts %d → %d.\n",
		100*r.idle.busyBefore, 100*r.idle.busyAfter, r.idle.mountsBefore, r.idle.mountsAfter)
	fmt.Fprintf(w, "Shutdown (SIGTERM, %d sandboxes destroyed): %s.\n", r.destroyed, r.shutdown.Round(time.Millisecond))
	for _, warn := range r.warnings {
		fmt.Fprintln(w, warn)
	}
	if len(r.warnings) == 0 {
		fmt.Fprintf(w, "No sandbox cgroup left under %s.\n", cgroupParent)
	}
}
