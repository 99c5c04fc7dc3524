package telemetry

import (
	"context"
	"net"
)

// API is which of Lambda's two subscription APIs an extension used: it
// decides the request's rules and the shapes of what the extension gets.
type API int

const (
	// Telemetry is the Telemetry API: PUT /2022-07-01/telemetry.
	Telemetry API = iota
	// Logs is the older Logs API: PUT /2020-08-15/logs.
	Logs
)

func (a API) String() string {
	if a == Logs {
		return "Logs"
	}
	return "Telemetry"
}

// Paths of the two subscription endpoints, for the Runtime API's router.
const (
	TelemetryPath = "/2022-07-01/telemetry"
	LogsPath      = "/2020-08-15/logs"
)

// Dialer connects to an address inside the sandbox. A destination's host
// (sandbox.localdomain, sandbox, localhost, 127.0.0.1) always means the
// sandbox itself, so the Hub dials 127.0.0.1:PORT through it; the caller
// makes it dial inside the sandbox's network namespace.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// Stream is the output a log line came from.
type Stream int

const (
	// Function is the function's runtime: its stdout and stderr.
	Function Stream = iota
	// Extension is an extension's output.
	Extension
)

// class is what a subscription's types select: one bit per type.
type class uint8

const (
	classPlatform class = 1 << iota
	classFunction
	classExtension
)

// classes are the subscription types by name, as a request spells them.
var classes = map[string]class{"platform": classPlatform, "function": classFunction, "extension": classExtension}

// encoding is how a subscriber wants events: the API and schema version it
// subscribed with decide which events exist and what their records hold.
type encoding uint8

const (
	encTelemetry       encoding = iota // Telemetry 2022-07-01: log records are strings
	encTelemetryObject                 // Telemetry 2022-12-13 and 2025-01-29: a JSON log line's record is its object
	encLogs                            // Logs 2020-08-15
	encLogsRuntimeDone                 // Logs 2021-03-18: also platform.runtimeDone
	numEncodings
)

func (e encoding) api() API {
	if e >= encLogs {
		return Logs
	}
	return Telemetry
}
