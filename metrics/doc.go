// Package metrics is lambdad's Prometheus metrics: what the scheduler
// tells its Observer (invocations, errors, throttles, starts and their
// phases, evictions), counted per function, and gauges read at each scrape
// (instances by state, spares, the async queue, the memory budget), with
// the daemon's own Go and process metrics. The scheduler and the launcher
// speak their own words, and the daemon wires this package in only with
// --metrics-listen.
//
// Labels are bounded by the number of functions: the function's name
// (never its version or a request's), and small enums. A runtime's own
// error types could be anything, so each function keeps at most
// maxErrorTypes of them apart; the rest count as Unhandled.
//
// The exposition is the package's own, in Prometheus's text format 0.0.4,
// on the standard library only: client_golang was tried and dropped,
// because libcontainer re-executes lambdad as each sandbox's init and Go
// initialises every linked package first, and client_golang's (procfs,
// protobuf, runtime/metrics…) cost every sandbox start about 2 ms (see
// docs/architecture.md). For the same reason nothing here runs at package
// initialisation: no package-level value is made by code (no maps, no
// compiled regexps); everything is made by New.
package metrics
