package telemetry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schema versions each API accepts. The Logs API's is optional.
var (
	telemetrySchemas = map[string]encoding{"2022-07-01": encTelemetry, "2022-12-13": encTelemetryObject, "2025-01-29": encTelemetryObject}
	logsSchemas      = map[string]encoding{"2020-08-15": encLogs, "2021-03-18": encLogsRuntimeDone}
)

const defaultLogsSchema = "2020-08-15"

// limits are one buffering setting's default and range.
type limits struct{ def, min, max int64 }

// The buffering limits of the Telemetry API reference and of the Logs API
// page; they differ only in maxItems' default.
var (
	telemetryItems = limits{1000, 1000, 10000}
	logsItems      = limits{10000, 1000, 10000}
	bytesLimits    = limits{262144, 262144, 1048576}
	timeoutLimits  = limits{1000, 25, 30000}
)

// reservedPort is the Runtime API's: no destination may use it.
const reservedPort = 9001

// sandboxHosts are the names a destination may give the sandbox by.
var sandboxHosts = []string{"sandbox.localdomain", "sandbox", "localhost", "127.0.0.1"}

// subscription is a validated subscribe request.
type subscription struct {
	enc       encoding
	types     []string // as asked, without repeats
	classes   class
	buffering buffering
	dest      destination
}

type buffering struct {
	maxItems int
	maxBytes int
	timeout  time.Duration
}

// destination is where a subscriber listens, inside the sandbox.
type destination struct {
	tcp    bool
	port   int    // dialled on 127.0.0.1 through the Hub's Dialer
	url    string // HTTP: the URI as given, so the Host header is the extension's
	method string // HTTP: POST, or PUT if asked
}

// subscribeRequest is the body of both APIs' PUT. Extensions send more than
// the reference lists (the AWS samples send destination.method and
// .encoding): unknown fields are ignored, as Lambda does.
type subscribeRequest struct {
	SchemaVersion *string             `json:"schemaVersion"`
	Types         []string            `json:"types"`
	Buffering     bufferingRequest    `json:"buffering"`
	Destination   *destinationRequest `json:"destination"`
}

type bufferingRequest struct {
	MaxItems  *int64 `json:"maxItems"`
	MaxBytes  *int64 `json:"maxBytes"`
	TimeoutMs *int64 `json:"timeoutMs"`
}

type destinationRequest struct {
	Protocol string `json:"protocol"`
	URI      string `json:"URI"`
	Port     *int64 `json:"port"`
	Method   string `json:"method"`
	Encoding string `json:"encoding"`
}

// validationError lists every problem of a request, as Lambda's
// ValidationError does ("URI port is not provided; types should not be
// empty").
type validationError []string

func (e validationError) Error() string { return strings.Join(e, "; ") }

// parseSubscription decodes and validates a subscribe request's body for
// api.
func parseSubscription(api API, body []byte) (subscription, error) {
	var req subscribeRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return subscription{}, validationError{"could not parse request body: " + err.Error()}
	}
	if dec.More() {
		return subscription{}, validationError{"could not parse request body: data after the JSON object"}
	}
	var sub subscription
	var errs validationError

	schemas, items := telemetrySchemas, telemetryItems
	if api == Logs {
		schemas, items = logsSchemas, logsItems
	}
	switch {
	case req.SchemaVersion == nil && api == Logs:
		sub.enc = schemas[defaultLogsSchema]
	case req.SchemaVersion == nil:
		errs = append(errs, "schemaVersion is not provided")
	default:
		enc, ok := schemas[*req.SchemaVersion]
		if !ok {
			errs = append(errs, fmt.Sprintf("schemaVersion %q is not supported (valid: %s)", *req.SchemaVersion, keys(schemas)))
		}
		sub.enc = enc
	}

	if len(req.Types) == 0 {
		errs = append(errs, "types should not be empty")
	}
	for _, t := range req.Types {
		c, ok := classes[t]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("type %q is not valid (valid: platform, function, extension)", t))
		case sub.classes&c == 0:
			sub.classes |= c
			sub.types = append(sub.types, t)
		}
	}

	b := req.Buffering
	sub.buffering.maxItems = int(setting("buffering.maxItems", b.MaxItems, items, &errs))
	sub.buffering.maxBytes = int(setting("buffering.maxBytes", b.MaxBytes, bytesLimits, &errs))
	sub.buffering.timeout = time.Duration(setting("buffering.timeoutMs", b.TimeoutMs, timeoutLimits, &errs)) * time.Millisecond

	if req.Destination == nil {
		errs = append(errs, "destination is not provided")
	} else {
		d := req.Destination
		switch d.Protocol {
		case "HTTP":
			sub.dest, errs = httpDestination(d.URI, d.Method, errs)
		case "TCP":
			sub.dest, errs = tcpDestination(d.URI, d.Port, errs)
		case "":
			errs = append(errs, "destination protocol is not provided")
		default:
			errs = append(errs, fmt.Sprintf("destination protocol %q is not valid (valid: HTTP, TCP)", d.Protocol))
		}
		if d.Encoding != "" && d.Encoding != "JSON" {
			errs = append(errs, fmt.Sprintf("destination encoding %q is not valid (valid: JSON)", d.Encoding))
		}
	}
	if errs != nil {
		return subscription{}, errs
	}
	return sub, nil
}

// setting is a buffering setting: its default when absent or zero, else
// the value if it is within l.
func setting(name string, v *int64, l limits, errs *validationError) int64 {
	if v == nil || *v == 0 {
		return l.def
	}
	if *v < l.min || *v > l.max {
		*errs = append(*errs, fmt.Sprintf("%s should be between %d and %d", name, l.min, l.max))
		return l.def
	}
	return *v
}

func httpDestination(uri, method string, errs validationError) (destination, validationError) {
	d := destination{method: "POST"}
	switch strings.ToUpper(method) {
	case "", "POST":
	case "PUT":
		d.method = "PUT"
	default:
		errs = append(errs, fmt.Sprintf("destination method %q is not valid (valid: POST, PUT)", method))
	}
	if uri == "" {
		return d, append(errs, "URI is not provided")
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil {
		return d, append(errs, fmt.Sprintf("URI %q is not valid: it must be http://sandbox.localdomain:PORT[/PATH]", uri))
	}
	if !isSandboxHost(u.Hostname()) {
		errs = append(errs, fmt.Sprintf("URI host %q is not the execution environment (use sandbox.localdomain)", u.Hostname()))
	}
	d.url = u.String()
	d.port, errs = port(u.Port(), errs)
	return d, errs
}

// tcpDestination takes the port from "port", else from a URI's host:port.
func tcpDestination(uri string, p *int64, errs validationError) (destination, validationError) {
	d := destination{tcp: true}
	if p != nil {
		d.port, errs = port(strconv.FormatInt(*p, 10), errs)
		return d, errs
	}
	if uri == "" {
		return d, append(errs, "port is not provided")
	}
	hostport := uri
	if u, err := url.Parse(uri); err == nil && u.Scheme == "tcp" {
		hostport = u.Host
	}
	host, ps, err := net.SplitHostPort(hostport)
	if err != nil {
		return d, append(errs, fmt.Sprintf("URI %q is not valid: it must be sandbox.localdomain:PORT", uri))
	}
	if !isSandboxHost(host) {
		errs = append(errs, fmt.Sprintf("URI host %q is not the execution environment (use sandbox.localdomain)", host))
	}
	d.port, errs = port(ps, errs)
	return d, errs
}

func port(s string, errs validationError) (int, validationError) {
	if s == "" {
		return 0, append(errs, "URI port is not provided")
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n < 1 || n > 65535:
		return 0, append(errs, fmt.Sprintf("port %q is not valid", s))
	case n == reservedPort:
		return 0, append(errs, fmt.Sprintf("port %d is reserved for the Runtime API", reservedPort))
	}
	return n, errs
}

func isSandboxHost(h string) bool {
	for _, s := range sandboxHosts {
		if strings.EqualFold(h, s) {
			return true
		}
	}
	return false
}

func keys(m map[string]encoding) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
