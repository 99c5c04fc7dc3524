package invokeapi

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// TestLimitClients: a client address holds at most max connections; one
// more is closed at once and counted, and a closed one makes room. Loopback
// is exempt in the daemon; here it stands for a sandbox's address.
func TestLimitClients(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := LimitClients(ln, 3, nil)
	l.exempt = func(netip.Addr) bool { return false }
	defer l.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	var held []net.Conn
	for range 3 {
		dial()
		held = append(held, <-accepted)
	}
	extra := dial()
	extra.SetReadDeadline(time.Now().Add(testkit.EventuallyTimeout))
	if _, err := extra.Read(make([]byte, 1)); err == nil {
		t.Fatal("a fourth connection was kept open")
	}
	if got := l.Refused(); got != 1 {
		t.Errorf("Refused = %d, want 1", got)
	}
	held[0].Close()
	dial()
	select {
	case <-accepted:
	case <-time.After(testkit.EventuallyTimeout):
		t.Fatal("a connection was refused after one of the three closed")
	}
	def := LimitClients(ln, 0, nil)
	for addr, exempt := range map[string]bool{"127.0.0.1": true, "::1": true, "10.213.0.5": false, "192.0.2.7": false} {
		if got := def.exempt(netip.MustParseAddr(addr)); got != exempt {
			t.Errorf("%s exempt: %v, want %v", addr, got, exempt)
		}
	}
}
