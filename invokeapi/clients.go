package invokeapi

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
)

// DefaultMaxClientConns is how many connections one remote address may hold
// open to the Invoke API at once (LimitClients).
const DefaultMaxClientConns = 64

// LimitClients bounds the connections each remote address may hold open
// through ln to max (0: DefaultMaxClientConns): one more is closed as soon
// as it is accepted, and counted. Sandboxes reach the Invoke API from
// addresses of their own (host.lambdad.internal), so a function that floods
// it holds at most max of the daemon's files, not all of them; a function
// that invokes others needs a few. Loopback clients (the host's own users,
// host-mode sandboxes) are not limited: they are the host's.
func LimitClients(ln net.Listener, max int, logger *slog.Logger) *ClientLimit {
	if max <= 0 {
		max = DefaultMaxClientConns
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &ClientLimit{Listener: ln, max: max, logger: logger, exempt: netip.Addr.IsLoopback, open: map[netip.Addr]int{}}
}

// ClientLimit is a listener whose clients LimitClients bounds.
type ClientLimit struct {
	net.Listener
	max    int
	logger *slog.Logger
	exempt func(netip.Addr) bool // loopback; tests limit it too

	mu      sync.Mutex
	open    map[netip.Addr]int // mu; connections open per limited address
	refused int                // mu
	warned  bool               // mu
}

// Accept returns the next connection whose address has room.
func (l *ClientLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteAddr(c)
		if !addr.IsValid() || l.exempt(addr) {
			return c, nil
		}
		l.mu.Lock()
		if l.open[addr] >= l.max {
			l.refused++
			warn := !l.warned
			l.warned = true
			l.mu.Unlock()
			c.Close()
			if warn {
				l.logger.Warn("invoke api: a client holds too many connections; closing its new ones", "client", addr, "max_client_conns", l.max)
			}
			continue
		}
		l.open[addr]++
		l.mu.Unlock()
		return &clientConn{Conn: c, release: func() { l.release(addr) }}, nil
	}
}

func (l *ClientLimit) release(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[addr]--; l.open[addr] <= 0 {
		delete(l.open, addr)
	}
}

// Refused counts the connections closed because their address had max open.
func (l *ClientLimit) Refused() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}

func remoteAddr(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{} // a unix socket's: its permissions decide
}

// clientConn gives its address's room back when closed.
type clientConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *clientConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
