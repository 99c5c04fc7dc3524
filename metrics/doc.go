// Package metrics is lambdad's Prometheus metrics: what the scheduler
// tells its Observer (invocations, errors, throttles, starts and their
// phases, evictions), counted per function, and gauges read at each scrape
// (instances by state, spares, the async queue, the memory budget), with
// the daemon's own Go and process metrics. It is the only package that
// imports client_golang: the scheduler and the launcher speak their own
// words, and the daemon wires this package in only with --metrics-listen.
//
// Labels are bounded by the number of functions: the function's name
// (never its version or a request's), and small enums. A runtime's own
// error types could be anything, so each function keeps at most
// maxErrorTypes of them apart; the rest count as Unhandled.
//
// Everything is registered in a registry of the Metrics' own, made at run
// time; client_golang's default registry is never used. (Its package
// initialisation still makes it, with its Go and process collectors: see
// docs/architecture.md for what that costs a sandbox start.)
package metrics
