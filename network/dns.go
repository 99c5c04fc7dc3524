package network

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// forwarder relays DNS from the sandboxes, on the gateway's port 53, to
// resolvers they cannot reach themselves (the host's loopback ones:
// systemd-resolved's 127.0.0.53, a dnsmasq on 127.0.0.1). UDP queries are
// relayed one by one, each answer going back to its asker; TCP connections
// are spliced to the first upstream that takes them. It holds no state
// beyond a query in flight, and bounds those.
type forwarder struct {
	upstreams []netip.AddrPort
	udp       *net.UDPConn
	tcp       *net.TCPListener
	logger    *slog.Logger
	inflight  chan struct{} // a slot per query or connection in flight
	wg        sync.WaitGroup
}

const (
	dnsTimeout     = 5 * time.Second // per upstream, per query
	dnsMaxInflight = 256
)

// startForwarder listens on listen (UDP and TCP) and relays to upstreams.
func startForwarder(listen netip.AddrPort, upstreams []netip.AddrPort, logger *slog.Logger) (*forwarder, error) {
	udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(listen))
	if err != nil {
		return nil, err
	}
	tcp, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(listen))
	if err != nil {
		udp.Close()
		return nil, err
	}
	f := &forwarder{upstreams: upstreams, udp: udp, tcp: tcp, logger: logger, inflight: make(chan struct{}, dnsMaxInflight)}
	f.wg.Add(2)
	go f.serveUDP()
	go f.serveTCP()
	return f, nil
}

func (f *forwarder) close() {
	f.udp.Close()
	f.tcp.Close()
	f.wg.Wait()
}

// acquire takes a slot for a query, or reports that too many are in
// flight (the query is dropped: a resolver retries).
func (f *forwarder) acquire() bool {
	select {
	case f.inflight <- struct{}{}:
		f.wg.Add(1)
		return true
	default:
		return false
	}
}

func (f *forwarder) release() {
	<-f.inflight
	f.wg.Done()
}

func (f *forwarder) serveUDP() {
	defer f.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := f.udp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				f.logger.Warn("dns forwarder stopped", "err", err)
			}
			return
		}
		if !f.acquire() {
			continue
		}
		query := append([]byte(nil), buf[:n]...)
		go func() {
			defer f.release()
			if answer := f.exchangeUDP(query); answer != nil {
				f.udp.WriteToUDPAddrPort(answer, from)
			}
		}()
	}
}

// exchangeUDP asks the upstreams in turn; nil if none answered.
func (f *forwarder) exchangeUDP(query []byte) []byte {
	buf := make([]byte, 64<<10)
	for _, up := range f.upstreams {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(up))
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(dnsTimeout))
		_, err = c.Write(query)
		n := 0
		if err == nil {
			n, err = c.Read(buf)
		}
		c.Close()
		if err == nil {
			return buf[:n]
		}
	}
	return nil
}

func (f *forwarder) serveTCP() {
	defer f.wg.Done()
	for {
		c, err := f.tcp.AcceptTCP()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				f.logger.Warn("dns forwarder stopped", "err", err)
			}
			return
		}
		if !f.acquire() {
			c.Close()
			continue
		}
		go func() {
			defer f.release()
			defer c.Close()
			f.spliceTCP(c)
		}()
	}
}

// spliceTCP relays one client connection to the first upstream that
// accepts one, within dnsTimeout of silence either way.
func (f *forwarder) spliceTCP(c *net.TCPConn) {
	for _, up := range f.upstreams {
		u, err := net.DialTimeout("tcp", up.String(), dnsTimeout)
		if err != nil {
			continue
		}
		defer u.Close()
		done := make(chan struct{})
		go func() {
			copyIdle(u, c)
			close(done)
		}()
		copyIdle(c, u)
		c.Close()
		<-done
		return
	}
}

// copyIdle copies src to dst until EOF, an error, or dnsTimeout without a
// byte.
func copyIdle(dst, src net.Conn) {
	buf := make([]byte, 4<<10)
	for {
		src.SetReadDeadline(time.Now().Add(dnsTimeout))
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
				return
			}
			if tc, ok := dst.(*net.TCPConn); ok && errors.Is(err, io.EOF) {
				tc.CloseWrite()
			}
			return
		}
	}
}

// setupDNS writes the sandboxes' resolv.conf from the host's, and starts
// the forwarder if some of the host's resolvers need it.
func (n *Network) setupDNS() error {
	rc, err := parseResolvConf(n.cfg.ResolvConf)
	if err != nil {
		return err
	}
	if len(rc.direct)+len(rc.forwarded) == 0 {
		n.logger.Warn("the host's resolver configuration names no nameserver: sandboxes will resolve no names", "file", n.cfg.ResolvConf)
	}
	if len(rc.forwarded) > 0 {
		ups := make([]netip.AddrPort, len(rc.forwarded))
		for i, a := range rc.forwarded {
			ups[i] = netip.AddrPortFrom(a, 53)
		}
		n.dnsOnGateway = true
		n.dns, err = startForwarder(netip.AddrPortFrom(n.addrs.gateway(), 53), ups, n.logger)
		switch {
		case errors.Is(err, unix.EADDRINUSE):
			// A resolver listening on all the host's addresses (a dnsmasq,
			// say) is on the bridge's too: the sandboxes ask it there.
			n.logger.Info("a resolver already listens on the bridge's port 53: sandboxes ask it", "addr", n.addrs.gateway())
		case err != nil:
			return err
		}
	}
	n.resolv = n.cfg.Dir + "/resolv.conf"
	return os.WriteFile(n.resolv, rc.sandboxFile(n.addrs.gateway()), 0o644)
}
