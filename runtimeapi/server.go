package runtimeapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/lambdad/lambdad/telemetry"
)

// Server is the Runtime API server of one sandbox.
type Server struct {
	ln    net.Listener
	http  *http.Server
	conns *conns // nil for handler tests' servers

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{} // closed by Close
	initDone  chan struct{} // closed when init ends: first GET /next, or /init/error

	mu       sync.Mutex
	state    State
	call     *call      // the invocation of the Invoke in progress; nil if none
	waiter   chan *call // the parked GET /next, if any; buffered (1)
	finished string     // id whose outcome was posted, until the next delivery: a second post gets 403
	initErr  *InitError // set in StateInitFailed

	// The Extensions API's (extension.go), under mu too.
	function   FunctionInfo
	expected   []string              // the external extensions init started
	pending    bool                  // init has yet to name them (PendExtensions)
	exts       []*extension          // registered, in order
	extByID    map[string]*extension // by identifier
	regClosed  bool                  // the runtime's init is over: no internal extension may register
	extInitErr *InitError            // an extension's /extension/init/error
	changed    chan struct{}         // closed and replaced at every change waitFor looks at
	telemetry  *telemetry.Hub        // the Telemetry and Logs APIs' (telemetry.go)

	streamLimits streamLimits // of streamed responses; tests lower them
}

// Serve serves the Runtime API on ln in the background until Close, which
// closes ln: a listener the daemon opened inside the sandbox's own network
// namespace, so that only that sandbox reaches it. lim bounds the
// connections the sandbox may hold open (conns.go).
func Serve(ln net.Listener, lim Limits) *Server {
	s := newServer()
	s.ln = ln
	s.conns = newConns(lim)
	s.http = &http.Server{
		Handler: router{s},
		// No timeouts: GET /next waits as long as the sandbox is idle, and
		// the runtime keeps its connection open meanwhile. Connections that
		// send nothing are closed when the sandbox needs their room.
		ConnState: s.conns.track,
		ErrorLog:  slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	go s.http.Serve(limitListener{Listener: ln, conns: s.conns}) // returns http.ErrServerClosed on Close
	return s
}

// ConnStats counts the connections of a server Serve made.
func (s *Server) ConnStats() ConnStats {
	if s.conns == nil {
		return ConnStats{}
	}
	return s.conns.stats()
}

// newServer returns a server in StateInitializing that serves nothing yet:
// Serve's, and handler tests'.
func newServer() *Server {
	return &Server{
		closed:   make(chan struct{}),
		initDone: make(chan struct{}),
		changed:  make(chan struct{}),

		streamLimits: defaultStreamLimits,
	}
}

// State returns the server's current state.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Close stops serving, closes every connection (a GET /next waiting returns)
// and the listener, and fails an Invoke in progress with ErrClosed. It is
// idempotent: later calls return the first call's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.transition(evClose)
		if c := s.call; c != nil {
			s.call = nil
			c.finish(Result{}, ErrClosed)
		}
		s.waiter = nil
		close(s.closed)
		s.mu.Unlock()

		if s.http == nil {
			return
		}
		err := s.http.Close()
		// Serve may not have taken the listener yet: close it here too, so
		// that nothing accepts once Close returns.
		if lerr := s.ln.Close(); err == nil && !errors.Is(lerr, net.ErrClosed) {
			err = lerr
		}
		if err != nil {
			s.closeErr = fmt.Errorf("close runtime api server %s: %w", s.ln.Addr(), err)
		}
	})
	return s.closeErr
}

// transition moves the server along e; s.mu must be held. It reports false,
// leaving the state unchanged, if the state machine does not allow e now.
func (s *Server) transition(e event) bool {
	to, ok := s.state.next(e)
	if ok {
		s.state = to
	}
	return ok
}
