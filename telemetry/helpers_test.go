package telemetry

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is an extension's telemetry listener: a real HTTP server on
// loopback that keeps every batch it was sent.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	batches [][]json.RawMessage // mu
	methods []string            // mu
	paths   []string            // mu
	types   []string            // mu: Content-Type of each batch
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var batch []json.RawMessage
		if err := json.Unmarshal(body, &batch); err != nil {
			t.Errorf("a batch is not a JSON array: %v: %q", err, body)
		}
		r.mu.Lock()
		r.batches = append(r.batches, batch)
		r.methods = append(r.methods, req.Method)
		r.paths = append(r.paths, req.URL.Path)
		r.types = append(r.types, req.Header.Get("Content-Type"))
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) addr() string { return r.srv.Listener.Addr().String() }

// records are every record received, in order.
func (r *receiver) records() []json.RawMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []json.RawMessage
	for _, b := range r.batches {
		all = append(all, b...)
	}
	return all
}

func (r *receiver) batchSizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n []int
	for _, b := range r.batches {
		n = append(n, len(b))
	}
	return n
}

// event is a received record, decoded.
type event struct {
	Time   string          `json:"time"`
	Type   string          `json:"type"`
	Record json.RawMessage `json:"record"`
}

func decode(t *testing.T, raw []json.RawMessage) []event {
	t.Helper()
	evs := make([]event, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &evs[i]); err != nil {
			t.Fatalf("record %d: %v: %s", i, err, r)
		}
	}
	return evs
}

func ofType(evs []event, typ string) []event {
	var out []event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// dialer maps the sandbox's 127.0.0.1:port to the test's real address, and
// fails while dead is set: an extension that does not listen (yet).
type dialer struct {
	to     string
	routes map[string]string // "127.0.0.1:port" → address, before to
	dead   atomic.Bool
	mu     sync.Mutex
	dialed []string // mu: the addresses the Hub asked for
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, network+" "+addr)
	d.mu.Unlock()
	if d.dead.Load() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errConnRefused}
	}
	to := d.to
	if r, ok := d.routes[addr]; ok {
		to = r
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, to)
}

var errConnRefused = &stringError{"connection refused"}

type stringError struct{ s string }

func (e *stringError) Error() string { return e.s }

func newHub(t *testing.T, to string) (*Hub, *dialer) {
	t.Helper()
	d := &dialer{to: to}
	h := New(d.dial, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(h.Close)
	return h, d
}

// subscribe sends a subscribe request to h and returns the answer.
func subscribe(t *testing.T, h *Hub, api API, name, body string) *httptest.ResponseRecorder {
	t.Helper()
	path := TelemetryPath
	if api == Logs {
		path = LogsPath
	}
	w := httptest.NewRecorder()
	h.ServeSubscribe(w, httptest.NewRequest(http.MethodPut, path, strings.NewReader(body)), api, name)
	return w
}

// mustSubscribe subscribes and fails t unless Lambda's 200 "OK" came back.
func mustSubscribe(t *testing.T, h *Hub, api API, name, body string) {
	t.Helper()
	w := subscribe(t, h, api, name, body)
	if w.Code != http.StatusOK || w.Body.String() != `"OK"` {
		t.Fatalf("subscribe %s: %d %s", body, w.Code, w.Body)
	}
}

func flush(t *testing.T, h *Hub) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

// sub is a subscribe body.
func sub(schema, types, buffering, dest string) string {
	b := `{"schemaVersion":"` + schema + `","types":[` + types + `],"destination":` + dest
	if buffering != "" {
		b += `,"buffering":` + buffering
	}
	return b + "}"
}

const (
	httpDest  = `{"protocol":"HTTP","URI":"http://sandbox.localdomain:8080/telemetry"}`
	allTypes  = `"platform","function","extension"`
	slowFlush = `{"timeoutMs":30000}`
)

var t0 = time.Date(2022, 10, 12, 0, 0, 15, 64_000_000, time.UTC)
