package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/metrics"
	"github.com/lambdad/lambdad/scheduler"
)

// Metrics: with Config.MetricsListen, package metrics hears the scheduler
// (its Observer) and reads the scheduler, the spares and the async queue
// at each scrape of /metrics on a listener of its own. Without it, none is
// made: the scheduler's Observer is nil.

// daemonMetrics is the metrics and their listener; zero without them.
type daemonMetrics struct {
	m   *metrics.Metrics
	ln  net.Listener
	srv *http.Server
}

// listenMetrics opens the metrics' listener and makes them, if there are
// to be metrics.
func (d *Daemon) listenMetrics() error {
	addr := d.cfg.MetricsListen
	if addr == "" || addr == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	m := metrics.New()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	d.metrics = daemonMetrics{m: m, ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	return nil
}

// observer is the scheduler's Observer: nil without metrics (a nil
// *metrics.Metrics in the interface would not be).
func (d *Daemon) observer() scheduler.Observer {
	if d.metrics.m == nil {
		return nil
	}
	return d.metrics.m
}

// watchMetrics gives the metrics' gauges their sources.
func (d *Daemon) watchMetrics() {
	if d.metrics.m != nil {
		d.metrics.m.Watch(metrics.Sources{Scheduler: d.sched, Spares: d.launcher, Queue: d.queue})
	}
}

// serveMetrics serves /metrics until closeMetrics; Serve's end goes to
// served.
func (d *Daemon) serveMetrics(served chan<- error) {
	if d.metrics.ln == nil {
		return
	}
	go func() { served <- d.metrics.srv.Serve(d.metrics.ln) }()
	d.logger.Info("serving metrics", "listen", d.metrics.ln.Addr().String())
}

// closeMetrics stops serving /metrics (once Serve runs, it closes the
// listener; before, the listener is closed here).
func (d *Daemon) closeMetrics() {
	if d.metrics.ln == nil {
		return
	}
	d.metrics.srv.Close()
	if err := d.metrics.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		d.logger.Warn("metrics listener not closed", "err", err)
	}
}

// MetricsAddr is the metrics listener's address, or nil without one.
func (d *Daemon) MetricsAddr() net.Addr {
	if d.metrics.ln == nil {
		return nil
	}
	return d.metrics.ln.Addr()
}

// enqueuer is the async queue as the Invoke API enqueues to it: with
// metrics, an event the full queue refuses is counted as a throttle.
func (d *Daemon) enqueuer() invokeapi.Enqueuer {
	if d.metrics.m == nil {
		return d.queue
	}
	return countingQueue{d.queue, d.metrics.m}
}

type countingQueue struct {
	q   *scheduler.Queue
	obs scheduler.Observer
}

func (c countingQueue) Enqueue(req scheduler.Request) error {
	err := c.q.Enqueue(req)
	if errors.Is(err, scheduler.ErrQueueFull) {
		c.obs.Throttled(req.Function.Name, scheduler.ThrottleQueueFull)
	}
	return err
}

// asyncInvoker runs the async queue's events on the scheduler, marked as
// Event invocations.
type asyncInvoker struct{ s *scheduler.Scheduler }

func (a asyncInvoker) Invoke(ctx context.Context, req scheduler.Request) (scheduler.Result, error) {
	req.Async = true
	return a.s.Invoke(ctx, req)
}
