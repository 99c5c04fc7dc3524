package network

import (
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/lambdad/lambdad/rootfs"
)

// Network is one daemon's bridge and rules.
type Network struct {
	cfg    Config
	logger *slog.Logger
	addrs  *addresses
	rules  *ruleset
	bridge netlink.Link
	prefix string // of the ports' names

	resolv       string     // the sandboxes' resolv.conf
	dns          *forwarder // nil unless the host's resolvers are on loopback
	dnsOnGateway bool       // sandboxes ask the gateway's port 53: the forwarder, or a resolver already there

	forwarding *forwarding // the network's hold on IPv4 forwarding

	mu     sync.Mutex
	nft    *nftables.Conn // mu
	closed bool           // mu
}

// New makes the network: bridge, sysctls, rules, resolv.conf and, if
// needed, the DNS forwarder. Leftovers of a crashed daemon with the same
// bridge are removed first. The subnet must not overlap a route of the
// host's. On error nothing is left.
func New(cfg Config) (_ *Network, retErr error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	n := &Network{cfg: cfg, logger: cfg.Logger, addrs: newAddresses(cfg.Subnet), prefix: PortPrefix(cfg.Bridge)}
	n.rules = newRuleset(cfg.Bridge, n.prefix, n.addrs.gateway(), cfg.Subnet)
	var err error
	if n.nft, err = nftables.New(nftables.AsLasting()); err != nil {
		return nil, fmt.Errorf("network: nftables: %w", err)
	}
	defer func() {
		if retErr != nil {
			n.Close()
		}
	}()
	if err := n.removeLeftovers(); err != nil {
		return nil, fmt.Errorf("network: leftovers of an earlier run: %w", err)
	}
	if err := checkSubnet(cfg.Subnet); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if err := n.makeBridge(); err != nil {
		return nil, fmt.Errorf("network: bridge %s: %w", cfg.Bridge, err)
	}
	if err := n.sysctls(); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if err := n.setupDNS(); err != nil {
		return nil, fmt.Errorf("network: dns: %w", err)
	}
	n.rules.ports = n.hostPorts()
	n.rules.dns = n.dnsOnGateway
	if err := n.rules.install(n.nft); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	return n, nil
}

// Gateway is the bridge's address: the sandboxes' default route and
// host.lambdad.internal.
func (n *Network) Gateway() netip.Addr { return n.addrs.gateway() }

// hostPorts are the allowed ports and where each goes: the Invoke API's to
// its own address (loopback for a wildcard one), the others to loopback.
func (n *Network) hostPorts() []hostPort {
	loopback := netip.MustParseAddr("127.0.0.1")
	invoke := n.cfg.Invoke.Addr().Unmap()
	if invoke.IsUnspecified() || !invoke.Is4() {
		invoke = loopback
	}
	var ports []hostPort
	if n.cfg.Invoke.IsValid() { // else the daemon listens on no TCP port
		ports = append(ports, hostPort{n.cfg.Invoke.Port(), invoke})
	}
	for _, p := range n.cfg.HostPorts {
		if !n.cfg.Invoke.IsValid() || p != n.cfg.Invoke.Port() {
			ports = append(ports, hostPort{p, loopback})
		}
	}
	return ports
}

// removeLeftovers deletes the bridge, its ports and its tables, if a
// crashed daemon left them, and the network's files.
func (n *Network) removeLeftovers() error {
	if err := n.rules.remove(n.nft); err != nil {
		return err
	}
	if err := deleteBridge(n.cfg.Bridge); err != nil {
		return err
	}
	return os.RemoveAll(n.cfg.Dir)
}

// deleteBridge deletes the bridge and its ports, if it exists; it tries
// both whatever fails.
func deleteBridge(name string) error {
	br, err := netlink.LinkByName(name)
	if err != nil {
		return nil // none
	}
	portsErr := deletePorts(br.Attrs().Index)
	if err := netlink.LinkDel(br); err != nil {
		return errors.Join(portsErr, fmt.Errorf("delete bridge %s: %w", name, err))
	}
	return portsErr
}

// deletePorts deletes every interface whose master is the bridge of index.
func deletePorts(index int) error {
	links, err := netlink.LinkList()
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Attrs().MasterIndex == index {
			if err := netlink.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
				return fmt.Errorf("delete %s: %w", l.Attrs().Name, err)
			}
		}
	}
	return nil
}

// checkSubnet refuses a subnet that overlaps a route of the host's (but
// the default route's).
func checkSubnet(subnet netip.Prefix) error {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil {
			continue // the default route
		}
		dst, ok := prefixOf(r.Dst)
		if ok && dst.Bits() > 0 && dst.Overlaps(subnet) {
			return fmt.Errorf("subnet %s overlaps the host's route to %s (%s): choose another with --subnet", subnet, dst, linkName(r.LinkIndex))
		}
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP.To4()); ok && subnet.Contains(ip) {
			return fmt.Errorf("subnet %s holds the host's address %s (%s): choose another with --subnet", subnet, ip, linkName(a.LinkIndex))
		}
	}
	return nil
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	ip, ok := netip.AddrFromSlice(n.IP.To4())
	if !ok {
		return netip.Prefix{}, false
	}
	bits, _ := n.Mask.Size()
	return netip.PrefixFrom(ip, bits), true
}

func linkName(index int) string {
	if l, err := netlink.LinkByIndex(index); err == nil {
		return "dev " + l.Attrs().Name
	}
	return fmt.Sprintf("link %d", index)
}

// makeBridge creates the bridge with the gateway's address, up.
func (n *Network) makeBridge() error {
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.cfg.Bridge}}
	if err := netlink.LinkAdd(br); err != nil {
		return err
	}
	link, err := netlink.LinkByName(n.cfg.Bridge)
	if err != nil {
		return err
	}
	n.bridge = link
	gw := n.addrs.gateway()
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: gw.AsSlice(), Mask: net.CIDRMask(n.cfg.Subnet.Bits(), 32)}}
	if err := netlink.AddrAdd(link, addr); err != nil {
		return fmt.Errorf("address %s: %w", gw, err)
	}
	return netlink.LinkSetUp(link)
}

// PortPrefix starts the names of a bridge's ports: "ld" and 5 hex digits
// of the bridge's name, so that two bridges' ports do not collide.
func PortPrefix(bridge string) string {
	return fmt.Sprintf("ld%05x", crc32.ChecksumIEEE([]byte(bridge))&0xfffff)
}

// sysctls turns IPv4 forwarding on (forward.go), and lets the bridge's
// traffic reach services on the host's loopback (the DNAT of host ports).
func (n *Network) sysctls() error {
	var err error
	if n.forwarding, err = holdForwarding(n.cfg.Bridge, n.nft); err != nil {
		return fmt.Errorf("ip forwarding: %w", err)
	}
	p := filepath.Join("/proc/sys/net/ipv4/conf", n.cfg.Bridge, "route_localnet")
	if err := os.WriteFile(p, []byte("1"), 0); err != nil {
		return fmt.Errorf("route_localnet: %w", err)
	}
	return nil
}

// Close removes everything New made, after the sandboxes are gone; it is
// idempotent.
func (n *Network) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	var errs []error
	if n.dns != nil {
		n.dns.close()
	}
	if err := n.rules.remove(n.nft); err != nil {
		errs = append(errs, err)
	}
	if err := deleteBridge(n.cfg.Bridge); err != nil {
		errs = append(errs, err)
	}
	if n.forwarding != nil {
		if err := n.forwarding.release(); err != nil {
			errs = append(errs, fmt.Errorf("ip forwarding: %w", err))
		}
	}
	if err := os.RemoveAll(n.cfg.Dir); err != nil {
		errs = append(errs, err)
	}
	if err := n.nft.CloseLasting(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("network: close: %w", err)
	}
	return nil
}

// maxBridgePorts is the kernel's limit of a bridge's port numbers
// (BR_MAX_PORTS); number 0 is never a port's.
const maxBridgePorts = 1024

// Attach gives the network namespace netns of sandbox id its interface:
// eth0 with an address of the subnet and the default route via the
// bridge, the host end a port of the bridge that speaks only from that
// address. It returns the files to bind read-only into the sandbox (its
// /etc/hosts and /etc/resolv.conf) and what takes it all back.
func (n *Network) Attach(id string, ns *os.File) (_ []rootfs.Bind, _ func() error, retErr error) {
	addr, index, err := n.addrs.take()
	if err != nil {
		return nil, nil, err
	}
	port := fmt.Sprintf("%s%08x", n.prefix, index)
	var undo []func() error
	undo = append(undo, func() error { n.addrs.give(index); return nil })
	detach := func() error {
		var errs []error
		for i := len(undo) - 1; i >= 0; i-- {
			if err := undo[i](); err != nil {
				errs = append(errs, err)
			}
		}
		undo = nil
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("network: detach %s: %w", id, err)
		}
		return nil
	}
	defer func() {
		if retErr != nil {
			detach()
			retErr = fmt.Errorf("network: attach %s: %w", id, retErr)
		}
	}()

	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: port, MasterIndex: n.bridge.Attrs().Index},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsFd(ns.Fd()),
	}
	if err := netlink.LinkAdd(veth); errors.Is(err, unix.EXFULL) {
		return nil, nil, fmt.Errorf("veth: %w: bridge %s has all its ports in use: the kernel gives a bridge at most %d, "+
			"so at most %d sandboxes run on one egress network (lower --max-sandboxes, or give functions \"Network\": \"none\")",
			err, n.bridge.Attrs().Name, maxBridgePorts, maxBridgePorts-1)
	} else if err != nil {
		return nil, nil, fmt.Errorf("veth: %w", err)
	}
	undo = append(undo, func() error {
		if err := netlink.LinkDel(veth); err != nil && !isGone(err) {
			return fmt.Errorf("delete %s: %w", port, err)
		}
		return nil
	})
	link, err := netlink.LinkByName(port)
	if err != nil {
		return nil, nil, err
	}
	veth.Index = link.Attrs().Index
	if err := netlink.LinkSetIsolated(link, true); err != nil {
		return nil, nil, fmt.Errorf("isolate %s: %w", port, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, nil, fmt.Errorf("%s up: %w", port, err)
	}
	if err := n.configureInside(ns, addr); err != nil {
		return nil, nil, err
	}
	if err := n.allow(port, addr); err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() error { return n.disallow(port, addr) })

	hosts := filepath.Join(n.cfg.Dir, id+".hosts")
	if err := os.WriteFile(hosts, hostsFile(addr, n.addrs.gateway()), 0o644); err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() error { return os.Remove(hosts) })
	return []rootfs.Bind{
		{Source: hosts, Destination: "/etc/hosts"},
		{Source: n.resolv, Destination: "/etc/resolv.conf"},
	}, detach, nil
}

// configureInside sets eth0 up inside ns with addr and the default route
// via the bridge.
func (n *Network) configureInside(ns *os.File, addr netip.Addr) error {
	h, err := netlink.NewHandleAt(netns.NsHandle(ns.Fd()), unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in the sandbox: %w", err)
	}
	defer h.Close()
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("eth0: %w", err)
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: addr.AsSlice(), Mask: net.CIDRMask(n.cfg.Subnet.Bits(), 32)}}
	if err := h.AddrAdd(eth0, a); err != nil {
		return fmt.Errorf("eth0 address %s: %w", addr, err)
	}
	if err := h.LinkSetUp(eth0); err != nil {
		return fmt.Errorf("eth0 up: %w", err)
	}
	gw := n.addrs.gateway()
	if err := h.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: gw.AsSlice()}); err != nil {
		return fmt.Errorf("default route via %s: %w", gw, err)
	}
	return nil
}

// allow and disallow add and remove port's address in the anti-spoofing set.
func (n *Network) allow(port string, addr netip.Addr) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.nft.SetAddElements(n.rules.addrs, []nftables.SetElement{addrElement(port, addr)}); err != nil {
		return err
	}
	if err := n.nft.Flush(); err != nil {
		return fmt.Errorf("nftables: allow %s: %w", port, err)
	}
	return nil
}

func (n *Network) disallow(port string, addr netip.Addr) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil // the tables are gone
	}
	if err := n.nft.SetDeleteElements(n.rules.addrs, []nftables.SetElement{addrElement(port, addr)}); err != nil {
		return err
	}
	if err := n.nft.Flush(); err != nil {
		return fmt.Errorf("nftables: disallow %s: %w", port, err)
	}
	return nil
}

// isGone tells whether err says a link no longer exists (its namespace,
// and with it both ends of the pair, went first).
func isGone(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT)
}

// hostsFile is an egress sandbox's /etc/hosts.
func hostsFile(self, gateway netip.Addr) []byte {
	// sandbox.localdomain is where extensions listen for the Telemetry
	// API, which the daemon reaches on the sandbox's loopback.
	return []byte("127.0.0.1\tlocalhost sandbox.localdomain\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		self.String() + "\tsandbox\n" +
		gateway.String() + "\t" + HostName + "\n")
}
