package runtimeapi

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits bound what one sandbox's processes can make the daemon hold
// through its Runtime API. A runtime keeps one connection (two at most,
// with a GET /next replacing one that broke); extensions would add a few.
type Limits struct {
	// MaxConns is how many connections may be open at once; a connection
	// beyond it is closed as soon as it is accepted, and counted. 0:
	// DefaultMaxConns.
	MaxConns int
	// StaleAfter is how long a connection that never sent a request may
	// stay open before it may be closed to make room for a new one; 0:
	// DefaultStaleAfter. A connection that did send one is the runtime's
	// (or an extension's): it is never closed for room, however long it
	// stays idle while the function works on an event.
	StaleAfter time.Duration
	// Logger says, once per server, that its limit was reached; nil:
	// discard.
	Logger *slog.Logger
}

// Defaults of Limits.
const (
	DefaultMaxConns   = 32
	DefaultStaleAfter = 10 * time.Second
)

func (l Limits) withDefaults() Limits {
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.StaleAfter <= 0 {
		l.StaleAfter = DefaultStaleAfter
	}
	if l.Logger == nil {
		l.Logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// Why the stale connections are closed only when the limit is reached, not
// by the http.Server's ReadHeaderTimeout and IdleTimeout: those run on the
// wall clock, and a sandbox frozen between invokes (--freeze-idle) may sit
// for minutes with a connection its runtime had just opened, or between its
// POST /response and the GET /next that follows. Closing it would break the
// runtime at its thaw. A frozen sandbox opens no connection, so it never
// reaches its limit. Only a connection that never sent a request is stale:
// a runtime's connection sits idle between the event its GET /next got and
// its POST of the response, for as long as the function runs (a POST on a
// connection closed meanwhile is not retried: the runtime fails). A GET
// /next waiting for an event, and a body being read, are active.

// conns bounds and tracks the connections of one server.
type conns struct {
	lim Limits
	now func() time.Time // time.Now; tests move their own

	mu      sync.Mutex
	open    map[net.Conn]connState // mu protects open, refused, warned
	refused int
	warned  bool
}

// connState is what a connection was last seen doing, and since when.
type connState struct {
	state http.ConnState
	since time.Time
}

func newConns(lim Limits) *conns {
	return &conns{lim: lim.withDefaults(), now: time.Now, open: make(map[net.Conn]connState)}
}

// admit takes c in if there is room, making room first by closing stale
// connections; otherwise it closes c at once and counts it.
func (cs *conns) admit(c net.Conn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.open) >= cs.lim.MaxConns {
		cs.closeStale()
	}
	if len(cs.open) >= cs.lim.MaxConns {
		cs.refused++
		if !cs.warned {
			cs.warned = true
			cs.lim.Logger.Warn("runtime api: too many connections from the sandbox; closing new ones", "max_conns", cs.lim.MaxConns)
		}
		c.Close()
		return false
	}
	cs.open[c] = connState{state: http.StateNew, since: cs.now()}
	return true
}

// closeStale closes the connections that have sent no request in the
// StaleAfter since they were accepted; cs.mu must be held.
func (cs *conns) closeStale() {
	cutoff := cs.now().Add(-cs.lim.StaleAfter)
	for c, st := range cs.open {
		if st.state == http.StateNew && !st.since.After(cutoff) {
			delete(cs.open, c)
			c.Close()
		}
	}
}

// track is the http.Server's ConnState hook: it follows the connections
// admit took in, and forgets closed ones.
func (cs *conns) track(c net.Conn, state http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if _, ok := cs.open[c]; !ok {
		return // refused, or closed as stale
	}
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(cs.open, c)
	default:
		cs.open[c] = connState{state: state, since: cs.now()}
	}
}

// ConnStats counts a server's connections.
type ConnStats struct {
	Open    int // open now
	Refused int // closed at once because MaxConns were open
}

func (cs *conns) stats() ConnStats {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return ConnStats{Open: len(cs.open), Refused: cs.refused}
}

// limitListener admits the connections of its listener through conns.
type limitListener struct {
	net.Listener
	conns *conns
}

func (l limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.conns.admit(c) {
			return c, nil
		}
	}
}
