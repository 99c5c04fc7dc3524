package invokeapi

import (
	"net/http"
	"sync"
	"time"
)

// Limits bound what clients can make the daemon hold through the Invoke
// API: request bodies held at once, and how long a connection may take to
// send its request.
type Limits struct {
	// MaxInflightBytes bounds the request bodies held at once, all
	// requests together: a body is held from its first byte until its
	// invoke returns (sync) or its event is queued (Event). A request that
	// cannot get its share answers 429 TooManyRequestsException. 0:
	// DefaultMaxInflightBytes.
	MaxInflightBytes int64
	// ReadHeaderTimeout bounds the reading of a request's headers; 0:
	// DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds the reading of a request's body, from the end of
	// its headers; 0: DefaultBodyTimeout. The response has no timeout: a
	// sync invoke may run for 15 minutes.
	BodyTimeout time.Duration
	// IdleTimeout bounds a keep-alive connection's wait for its next
	// request; 0: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers; 0: DefaultMaxHeaderBytes.
	MaxHeaderBytes int
}

// Defaults of Limits. DefaultBodyTimeout lets a 6 MB body arrive at 52
// KB/s.
const (
	DefaultMaxInflightBytes  = 256 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 2 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute // above the AWS SDKs' 90 s idle connections
	DefaultMaxHeaderBytes    = 64 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxInflightBytes <= 0 {
		l.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = DefaultBodyTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// NewServer returns the Invoke API's HTTP server, with cfg.Limits'
// timeouts. It has no ReadTimeout: that deadline would stay on the
// connection while a sync invoke runs and, once passed, cancel it (the
// server's background read fails); the handler bounds the body's reading
// itself (readBody).
func NewServer(cfg Config) *http.Server {
	lim := cfg.Limits.withDefaults()
	return &http.Server{
		Handler:           NewHandler(cfg),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
	}
}

// inflight counts the request body bytes held, against a bound.
type inflight struct {
	max int64

	mu   sync.Mutex
	held int64 // mu protects held
}

// reserve takes n bytes if they fit under the bound.
func (b *inflight) reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held+n > b.max {
		return false
	}
	b.held += n
	return true
}

func (b *inflight) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held -= n
}

// Held is the request body bytes held now.
func (b *inflight) Held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held
}
