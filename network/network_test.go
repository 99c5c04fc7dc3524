package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/lambdad/lambdad/network/networktest"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// Each test's network has a bridge and a subnet of its own (10.214.k.0/24),
// apart from other packages' tests running at the same time.
var testNets atomic.Int32

type testNet struct {
	*Network
	cfg Config
}

// newTestNetwork makes a network for the test, closed (and checked to
// leave nothing) at its end.
func newTestNetwork(t testing.TB, modify ...func(*Config)) *testNet {
	t.Helper()
	sandboxtest.RequireRoot(t)
	k := testNets.Add(1)
	cfg := Config{
		Bridge: fmt.Sprintf("ldn%05d%c", os.Getpid()%100000, 'a'+k),
		Subnet: netip.MustParsePrefix(fmt.Sprintf("10.214.%d.0/24", k)),
		Invoke: netip.MustParseAddrPort("127.0.0.1:1"),
		Dir:    filepath.Join(t.TempDir(), "network"),
	}
	for _, m := range modify {
		m(&cfg)
	}
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tn := &testNet{Network: n, cfg: n.cfg}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		for _, left := range leftovers(tn.cfg) {
			t.Errorf("left after Close: %s", left)
		}
	})
	return tn
}

// leftovers lists what of a closed network remains on the host.
func leftovers(cfg Config) []string {
	left := networktest.Leftovers(cfg.Bridge, PortPrefix(cfg.Bridge))
	if _, err := os.Stat(cfg.Dir); err == nil {
		left = append(left, cfg.Dir)
	}
	if _, err := os.Stat(filepath.Join(forwardDir, cfg.Bridge+".lock")); err == nil {
		left = append(left, "its hold on ip forwarding")
	}
	return left
}

// attach attaches ns as sandbox id, and detaches it at the test's end.
func (n *testNet) attach(t *testing.T, id string, ns *os.File) []string {
	t.Helper()
	files, detach, err := n.Attach(id, ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := detach(); err != nil {
			t.Errorf("detach %s: %v", id, err)
		}
	})
	var dsts []string
	for _, f := range files {
		dsts = append(dsts, f.Destination+"="+f.Source)
	}
	return dsts
}

// serve answers each connection on ln with its peer's address, then
// closes it.
func serve(t *testing.T, ln net.Listener) string {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "hello %s", c.RemoteAddr())
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func listenLoopback(t *testing.T) (net.Listener, uint16) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, uint16(ln.Addr().(*net.TCPAddr).Port)
}

// dial connects from inside ns, sends an HTTP request (the world's server
// wants one; the others ignore it) and returns what the server said.
func dial(ns *os.File, addr string) (string, error) {
	var got string
	err := networktest.In(ns, func() error {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
		b, err := io.ReadAll(c)
		got = string(b)
		if len(b) > 0 && errors.Is(err, unix.ECONNRESET) {
			err = nil // an answer, then a reset for the request it did not read
		}
		return err
	})
	return got, err
}

func TestHostPortsOnly(t *testing.T) {
	allowed, allowedPort := listenLoopback(t)
	serve(t, allowed)
	invoke, invokePort := listenLoopback(t)
	serve(t, invoke)
	other, otherPort := listenLoopback(t)
	serve(t, other)
	n := newTestNetwork(t, func(c *Config) {
		c.HostPorts = []uint16{allowedPort}
		c.Invoke = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), invokePort)
	})
	ns := networktest.Netns(t)
	files := n.attach(t, "a", ns)
	gw := n.Gateway().String()
	self := n.addrs.at(2).String() // the first sandbox's
	for _, port := range []uint16{allowedPort, invokePort} {
		got, err := dial(ns, netip.AddrPortFrom(n.Gateway(), port).String())
		if err != nil || !strings.HasPrefix(got, "hello "+self+":") {
			t.Errorf("host port %d at %s: %q, %v; want the service on loopback to answer the sandbox at %s", port, gw, got, err, self)
		}
	}
	_, err := dial(ns, netip.AddrPortFrom(n.Gateway(), otherPort).String())
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("a port not allowed: %v, want connection refused", err)
	}
	if want := "/etc/hosts=" + filepath.Join(n.cfg.Dir, "a.hosts"); !strings.Contains(strings.Join(files, " "), want) {
		t.Errorf("files %v, want %s", files, want)
	}
	hosts, _ := os.ReadFile(filepath.Join(n.cfg.Dir, "a.hosts"))
	if !strings.Contains(string(hosts), gw+"\t"+HostName) {
		t.Errorf("hosts file:\n%s\nlacks %s", hosts, HostName)
	}
}

// A host address other than the gateway is the host's too: nothing on it
// is reachable, allowed port or not.
func TestOtherHostAddressesRefused(t *testing.T) {
	ln, port := listenLoopback(t)
	ln.Close()
	n := newTestNetwork(t, func(c *Config) { c.HostPorts = []uint16{port} })
	hostLink(t, n.cfg.Bridge+"d", "203.0.113.100/32")
	onDummy, err := net.Listen("tcp", netip.AddrPortFrom(netip.MustParseAddr("203.0.113.100"), port).String())
	if err != nil {
		t.Fatal(err)
	}
	serve(t, onDummy)
	ns := networktest.Netns(t)
	n.attach(t, "a", ns)
	if _, err := dial(ns, onDummy.Addr().String()); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("a service on another host address: %v, want connection refused", err)
	}
}

func TestSandboxesCannotReachEachOther(t *testing.T) {
	n := newTestNetwork(t)
	a, b := networktest.Netns(t), networktest.Netns(t)
	n.attach(t, "a", a)
	n.attach(t, "b", b)
	var addrB string
	if err := networktest.In(b, func() error {
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			return err
		}
		eth0, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		addrs, err := netlink.AddrList(eth0, netlink.FAMILY_V4)
		if err != nil || len(addrs) != 1 {
			return fmt.Errorf("eth0 addresses %v: %v", addrs, err)
		}
		addrB = net.JoinHostPort(addrs[0].IP.String(), fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
		serve(t, ln)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := dial(b, addrB); err != nil {
		t.Fatalf("b cannot reach itself at %s: %v", addrB, err)
	} else if !strings.HasPrefix(got, "hello") {
		t.Fatalf("b's own server said %q", got)
	}
	if got, err := dial(a, addrB); err == nil {
		t.Errorf("a reached b at %s: %q", addrB, got)
	}
}

// hostLink adds an interface on the host with addr (a veth whose peer
// stays beside it), removed at the test's end.
func hostLink(t *testing.T, name, addr string) {
	t.Helper()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: name + "p"}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netlink.LinkDel(veth) })
	link, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := netlink.ParseAddr(addr)
	if err := netlink.AddrAdd(link, a); err != nil {
		t.Fatal(err)
	}
	netlink.LinkSetUp(link)
}

// Egress through NAT: the world sees the host's address, never the
// sandbox's, and cannot open a connection to a sandbox.
func TestEgressIsMasqueraded(t *testing.T) {
	n := newTestNetwork(t)
	world, server := networktest.World(t, n.cfg.Bridge+"w")
	ns := networktest.Netns(t)
	n.attach(t, "a", ns)
	got, err := dial(ns, server)
	if err != nil || !strings.Contains(got, "world saw "+networktest.WorldHost+":") {
		t.Errorf("the world answered %q, %v; want it to see the host's %s", got, err, networktest.WorldHost)
	}
	// From the world, a route to the sandboxes via the host gets nowhere.
	var sandboxAddr string
	networktest.In(ns, func() error {
		ln, err := net.Listen("tcp", ":0")
		if err != nil {
			return err
		}
		sandboxAddr = netip.AddrPortFrom(n.addrs.at(2), uint16(ln.Addr().(*net.TCPAddr).Port)).String()
		serve(t, ln)
		return nil
	})
	if err := networktest.In(world, func() error {
		_, sub, _ := net.ParseCIDR(n.cfg.Subnet.String())
		return netlink.RouteAdd(&netlink.Route{Dst: sub, Gw: net.ParseIP(networktest.WorldHost)})
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := dial(world, sandboxAddr); err == nil {
		t.Errorf("the world reached a sandbox at %s: %q", sandboxAddr, got)
	}
}

// Two lambdad networks on one host (two daemons, or tests running at once)
// both have egress: neither's rules drop the other's forwarded traffic.
func TestTwoNetworksEgressAtOnce(t *testing.T) {
	a, b := newTestNetwork(t), newTestNetwork(t)
	_, server := networktest.World(t, a.cfg.Bridge+"w")
	for _, n := range []*testNet{a, b} {
		ns := networktest.Netns(t)
		n.attach(t, "a", ns)
		if got, err := dial(ns, server); err != nil || !strings.Contains(got, "world saw "+networktest.WorldHost+":") {
			t.Errorf("%s: the world answered %q, %v", n.cfg.Bridge, got, err)
		}
	}
}

// While lambdad has turned IPv4 forwarding on, the host forwards nothing
// but its bridges' traffic: two links the test makes, the world and
// another, stay apart though the host routes between them. If forwarding
// was on before lambdad, lambdad leaves it as it was, with no guard.
func TestForwardsOnlyBridges(t *testing.T) {
	n := newTestNetwork(t)
	nft, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := nft.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		t.Fatal(err)
	}
	guarded := slices.ContainsFunc(tables, func(t *nftables.Table) bool { return t.Name == guardTableName })
	if _, err := os.Stat(filepath.Join(forwardDir, "orig")); err != nil {
		if guarded {
			t.Errorf("forwarding was on before lambdad, yet table %s guards it", guardTableName)
		}
		return
	}
	if !guarded {
		t.Fatalf("lambdad turned forwarding on, and no table %s guards it", guardTableName)
	}
	world, server := networktest.World(t, n.cfg.Bridge+"w")
	other, _ := networktest.Peer(t, n.cfg.Bridge+"o", "203.0.113.65/30", "203.0.113.66/30")
	if err := networktest.In(other, func() error {
		return netlink.RouteAdd(&netlink.Route{Gw: net.ParseIP("203.0.113.65")})
	}); err != nil {
		t.Fatal(err)
	}
	if err := networktest.In(world, func() error {
		_, dst, _ := net.ParseCIDR("203.0.113.64/30")
		return netlink.RouteAdd(&netlink.Route{Dst: dst, Gw: net.ParseIP(networktest.WorldHost)})
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := dial(other, server); err == nil {
		t.Errorf("the host forwarded another link's traffic to the world: %q", got)
	}
	ns := networktest.Netns(t) // the bridge's traffic, meanwhile, goes
	n.attach(t, "a", ns)
	if got, err := dial(ns, server); err != nil {
		t.Errorf("a sandbox's egress: %q, %v", got, err)
	}
}

// A host whose resolver listens on all its addresses (a dnsmasq, say)
// already has port 53 of the bridge's address: lambdad starts no forwarder
// and its sandboxes ask that resolver there. The test's "resolver" (bound
// before the bridge exists, with IP_FREEBIND) answers each datagram with
// what it got.
func TestResolverAlreadyOnTheGateway(t *testing.T) {
	var resolver net.PacketConn
	n := newTestNetwork(t, func(c *Config) {
		gw := newAddresses(c.Subnet).gateway()
		lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
			var err error
			rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_FREEBIND, 1) })
			return err
		}}
		var err error
		if resolver, err = lc.ListenPacket(context.Background(), "udp4", netip.AddrPortFrom(gw, 53).String()); err != nil {
			t.Fatal(err)
		}
		c.ResolvConf = filepath.Join(t.TempDir(), "resolv.conf")
		if err := os.WriteFile(c.ResolvConf, []byte("nameserver 127.0.0.1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() { resolver.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			k, from, err := resolver.ReadFrom(buf)
			if err != nil {
				return
			}
			resolver.WriteTo(append([]byte("resolver got "), buf[:k]...), from)
		}
	}()
	if n.dns != nil {
		t.Error("a forwarder started, though the port was taken")
	}
	ns := networktest.Netns(t)
	n.attach(t, "a", ns)
	var got string
	err := networktest.In(ns, func() error {
		c, err := net.Dial("udp", netip.AddrPortFrom(n.Gateway(), 53).String())
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("query")); err != nil {
			return err
		}
		buf := make([]byte, 512)
		k, err := c.Read(buf)
		got = string(buf[:k])
		return err
	})
	if err != nil || got != "resolver got query" {
		t.Errorf("asking the gateway's port 53: %q, %v; want the host's resolver to answer", got, err)
	}
}

// A sandbox that takes another address cannot send from it.
func TestSpoofedSourceDropped(t *testing.T) {
	ln, port := listenLoopback(t)
	serve(t, ln)
	n := newTestNetwork(t, func(c *Config) { c.HostPorts = []uint16{port} })
	ns := networktest.Netns(t)
	n.attach(t, "a", ns)
	spoofed := n.addrs.at(200)
	if err := networktest.In(ns, func() error {
		eth0, err := netlink.LinkByName("eth0")
		if err != nil {
			return err
		}
		addr, _ := netlink.ParseAddr(spoofed.String() + "/32")
		return netlink.AddrAdd(eth0, addr)
	}); err != nil {
		t.Fatal(err)
	}
	err := networktest.In(ns, func() error {
		d := net.Dialer{Timeout: 2 * time.Second, LocalAddr: &net.TCPAddr{IP: spoofed.AsSlice()}}
		c, err := d.Dial("tcp", netip.AddrPortFrom(n.Gateway(), port).String())
		if err == nil {
			c.Close()
		}
		return err
	})
	if err == nil {
		t.Errorf("a connection from the spoofed %s got through", spoofed)
	}
}

func TestSubnetOverlappingTheHostsRoutes(t *testing.T) {
	sandboxtest.RequireRoot(t)
	name := fmt.Sprintf("ldn%05dz", os.Getpid()%100000)
	hostLink(t, name, "10.214.250.1/24")
	cfg := Config{Bridge: name + "b", Subnet: netip.MustParsePrefix("10.214.0.0/16"),
		Invoke: netip.MustParseAddrPort("127.0.0.1:1"), Dir: filepath.Join(t.TempDir(), "network")}
	_, err := New(cfg)
	if err == nil || !strings.Contains(err.Error(), "--subnet") || !strings.Contains(err.Error(), name) {
		t.Errorf("New = %v, want a refusal naming %s and --subnet", err, name)
	}
	if left := leftovers(cfg); len(left) > 0 {
		t.Errorf("left after a refused New: %v", left)
	}
}

// A daemon that died left its bridge, a port and its tables: the next New
// with the same bridge removes them.
func TestLeftoversOfACrash(t *testing.T) {
	sandboxtest.RequireRoot(t)
	k := testNets.Add(1)
	cfg := Config{Bridge: fmt.Sprintf("ldn%05d%c", os.Getpid()%100000, 'a'+k),
		Subnet: netip.MustParsePrefix(fmt.Sprintf("10.214.%d.0/24", k)),
		Invoke: netip.MustParseAddrPort("127.0.0.1:1"), Dir: filepath.Join(t.TempDir(), "network")}
	crashed, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := networktest.Netns(t) // held open: its port stays
	if _, _, err := crashed.Attach("a", ns); err != nil {
		t.Fatal(err)
	}
	crashed.nft.CloseLasting() // the crash: nothing of it is closed, but what dies with the process
	crashed.forwarding.lock.Close()
	again, err := New(cfg)
	if err != nil {
		t.Fatalf("New after a crash: %v", err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(again.cfg); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
}

// Link-local addresses are not the world: on a cloud VM a metadata service
// hands out the host's credentials there. A peer the test puts at
// 169.254.200.2 (routed through the host like the world) is refused.
func TestLinkLocalRefused(t *testing.T) {
	n := newTestNetwork(t)
	_, server := networktest.Peer(t, n.cfg.Bridge+"m", "169.254.200.1/30", "169.254.200.2/30")
	ns := networktest.Netns(t)
	n.attach(t, "a", ns)
	if got, err := dial(ns, server); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("a link-local peer: %q, %v; want connection refused", got, err)
	}
}
