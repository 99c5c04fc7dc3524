package network

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The rules, in nft's words (B the bridge, GW its address, SUBNET the
// subnet, P each allowed host port and T where it goes on the host):
//
//	table inet B {
//		chain prerouting { type nat hook prerouting priority dstnat
//			iifname B ip daddr GW tcp dport P dnat ip to T }
//		chain postrouting { type nat hook postrouting priority srcnat
//			ip saddr SUBNET oifname != B masquerade }
//		chain input { type filter hook input priority filter
//			iifname B ct state established,related accept
//			iifname B ip saddr != SUBNET drop
//			iifname B ct status dnat tcp dport P accept
//			iifname B ip daddr GW udp/tcp dport 53 accept   (with a DNS forwarder)
//			iifname B tcp reject with tcp reset
//			iifname B reject }   (ICMP port unreachable)
//		chain forward { type filter hook forward priority filter
//			iifname B ip saddr != SUBNET drop
//			iifname B ip daddr 169.254.0.0/16 reject   (as input's: a cloud's metadata service is there)
//			iifname B oifname B drop
//			oifname B ct state established,related accept
//			oifname B drop }
//	}
//	table bridge B {
//		set addrs { type ifname . ipv4_addr }   (each port and its sandbox's address)
//		chain prerouting { type filter hook prerouting priority filter
//			iifname "PREFIX*" ether type ip iifname . ip saddr != @addrs drop
//			iifname "PREFIX*" ether type arp iifname . arp saddr ip != @addrs drop
//			iifname "PREFIX*" ether type ip accept
//			iifname "PREFIX*" ether type arp accept
//			iifname "PREFIX*" drop }
//		chain forward { type filter hook forward priority filter
//			iifname "PREFIX*" drop }
//	}
//
// PREFIX starts the name of every port of the bridge (portPrefix); the
// bridge family matches ports by it because meta ibrname needs a module
// some kernels lack.
//
// The chains accept by default: they decide only for traffic of the
// bridge, and the host's other traffic passes them untouched.

// Register numbers: the first 128-bit one, and the 32-bit ones a
// concatenation (ifname . ipv4) is built in.
const (
	reg1      = 1
	reg32Name = 8  // NFT_REG32_00: 16 bytes of interface name
	reg32Addr = 12 // NFT_REG32_04: 4 bytes of address
)

// hostPort is a TCP port of the host sandboxes may reach, and where on the
// host it is DNAT-ed to.
type hostPort struct {
	port   uint16
	target netip.Addr
}

// ruleset is the two tables of one bridge.
type ruleset struct {
	bridge    string
	prefix    string // of the ports' names
	gateway   netip.Addr
	subnet    netip.Prefix
	ports     []hostPort
	dns       bool // a forwarder listens on the gateway's port 53
	inet, br  *nftables.Table
	addrs     *nftables.Set
	addrsType nftables.SetDatatype
}

func newRuleset(bridge, prefix string, gateway netip.Addr, subnet netip.Prefix) *ruleset {
	return &ruleset{
		bridge: bridge, prefix: prefix, gateway: gateway, subnet: subnet,
		inet:      &nftables.Table{Family: nftables.TableFamilyINet, Name: bridge},
		br:        &nftables.Table{Family: nftables.TableFamilyBridge, Name: bridge},
		addrsType: nftables.MustConcatSetType(nftables.TypeIFName, nftables.TypeIPAddr),
	}
}

// remove deletes the tables, if they exist (a crashed daemon's).
func (r *ruleset) remove(c *nftables.Conn) error {
	tables, err := c.ListTables()
	if err != nil {
		return fmt.Errorf("nftables: list tables: %w", err)
	}
	found := false
	for _, t := range tables {
		if t.Name == r.bridge && (t.Family == r.inet.Family || t.Family == r.br.Family) {
			c.DelTable(t)
			found = true
		}
	}
	if !found {
		return nil
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: delete tables %s: %w", r.bridge, err)
	}
	return nil
}

// install adds both tables, at once.
func (r *ruleset) install(c *nftables.Conn) error {
	c.AddTable(r.inet)
	c.AddTable(r.br)
	r.inetRules(c)
	if err := r.bridgeRules(c); err != nil {
		return err
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: add tables %s: %w", r.bridge, err)
	}
	return nil
}

func (r *ruleset) inetRules(c *nftables.Conn) {
	chain := func(name string, typ nftables.ChainType, hook *nftables.ChainHook, prio *nftables.ChainPriority) *nftables.Chain {
		return c.AddChain(&nftables.Chain{Name: name, Table: r.inet, Type: typ, Hooknum: hook, Priority: prio})
	}
	rule := func(ch *nftables.Chain, exprs ...[]expr.Any) {
		var all []expr.Any
		for _, e := range exprs {
			all = append(all, e...)
		}
		c.AddRule(&nftables.Rule{Table: r.inet, Chain: ch, Exprs: all})
	}
	// refuse rejects what matches as a closed port would: a TCP reset (the
	// caller's connect fails at once), else ICMP port unreachable.
	refuse := func(ch *nftables.Chain, match ...[]expr.Any) {
		rule(ch, append(match, l4proto(unix.IPPROTO_TCP), []expr.Any{&expr.Reject{Type: unix.NFT_REJECT_TCP_RST}})...)
		rule(ch, append(match, []expr.Any{&expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_PORT_UNREACH}})...)
	}
	in, out, notOut := ifname(expr.MetaKeyIIFNAME, r.bridge, true),
		ifname(expr.MetaKeyOIFNAME, r.bridge, true), ifname(expr.MetaKeyOIFNAME, r.bridge, false)

	pre := chain("prerouting", nftables.ChainTypeNAT, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest)
	for _, p := range r.ports {
		rule(pre, in, ipv4(), ipAddr(16, r.gateway), tcpDport(p.port), dnat(p.target))
	}
	post := chain("postrouting", nftables.ChainTypeNAT, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource)
	rule(post, ipv4(), ipPrefix(12, r.subnet, true), notOut, verdictMasq())

	input := chain("input", nftables.ChainTypeFilter, nftables.ChainHookInput, nftables.ChainPriorityFilter)
	rule(input, in, ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED), verdict(expr.VerdictAccept))
	rule(input, in, ipv4(), ipPrefix(12, r.subnet, false), verdict(expr.VerdictDrop))
	for _, p := range r.ports {
		rule(input, in, ctStatusDNAT(), tcpDport(p.port), verdict(expr.VerdictAccept))
	}
	if r.dns {
		rule(input, in, ipv4(), ipAddr(16, r.gateway), l4proto(unix.IPPROTO_UDP), dport(53), verdict(expr.VerdictAccept))
		rule(input, in, ipv4(), ipAddr(16, r.gateway), l4proto(unix.IPPROTO_TCP), dport(53), verdict(expr.VerdictAccept))
	}
	refuse(input, in)

	fwd := chain("forward", nftables.ChainTypeFilter, nftables.ChainHookForward, nftables.ChainPriorityFilter)
	rule(fwd, in, ipv4(), ipPrefix(12, r.subnet, false), verdict(expr.VerdictDrop))
	// Link-local addresses are the host's link's, not the world: on a cloud
	// VM, 169.254.169.254 hands out the host's own credentials.
	refuse(fwd, in, ipv4(), ipPrefix(16, linkLocal, true))
	rule(fwd, in, out, verdict(expr.VerdictDrop))
	rule(fwd, out, ctState(expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED), verdict(expr.VerdictAccept))
	rule(fwd, out, verdict(expr.VerdictDrop))
}

func (r *ruleset) bridgeRules(c *nftables.Conn) error {
	r.addrs = &nftables.Set{Table: r.br, Name: "addrs", KeyType: r.addrsType, Concatenation: true}
	if err := c.AddSet(r.addrs, nil); err != nil {
		return fmt.Errorf("nftables: set: %w", err)
	}
	chain := func(name string, hook *nftables.ChainHook) *nftables.Chain {
		return c.AddChain(&nftables.Chain{Name: name, Table: r.br, Type: nftables.ChainTypeFilter, Hooknum: hook, Priority: nftables.ChainPriorityFilter})
	}
	rule := func(ch *nftables.Chain, exprs ...[]expr.Any) {
		var all []expr.Any
		for _, e := range exprs {
			all = append(all, e...)
		}
		c.AddRule(&nftables.Rule{Table: r.br, Chain: ch, Exprs: all})
	}
	onBridge := ifnamePrefix(expr.MetaKeyIIFNAME, r.prefix)
	pre := chain("prerouting", nftables.ChainHookPrerouting)
	// Each port speaks only from its sandbox's address, in IP and ARP.
	rule(pre, onBridge, etherType(unix.ETH_P_IP), portAddr(expr.PayloadBaseNetworkHeader, 12), notInSet(r.addrs), verdict(expr.VerdictDrop))
	rule(pre, onBridge, etherType(unix.ETH_P_ARP), portAddr(expr.PayloadBaseNetworkHeader, 14), notInSet(r.addrs), verdict(expr.VerdictDrop))
	rule(pre, onBridge, etherType(unix.ETH_P_IP), verdict(expr.VerdictAccept))
	rule(pre, onBridge, etherType(unix.ETH_P_ARP), verdict(expr.VerdictAccept))
	rule(pre, onBridge, verdict(expr.VerdictDrop)) // IPv6 and everything else
	fwd := chain("forward", nftables.ChainHookForward)
	rule(fwd, onBridge, verdict(expr.VerdictDrop)) // no frame from a port to another
	return nil
}

// linkLocal is IPv4's link-local range.
var linkLocal = netip.MustParsePrefix("169.254.0.0/16")

// addrElement is the set element of a port and its sandbox's address.
func addrElement(port string, addr netip.Addr) nftables.SetElement {
	key := make([]byte, 20) // ifname, 16 bytes; then the address, 4
	copy(key, port)
	a := addr.As4()
	copy(key[16:], a[:])
	return nftables.SetElement{Key: key}
}

// Expressions.

func verdict(k expr.VerdictKind) []expr.Any { return []expr.Any{&expr.Verdict{Kind: k}} }

func verdictMasq() []expr.Any { return []expr.Any{&expr.Masq{}} }

// ifname matches the interface name of key (iifname, oifname, ibrname),
// exactly; eq false: any other.
func ifname(key expr.MetaKey, name string, eq bool) []expr.Any {
	op := expr.CmpOpEq
	if !eq {
		op = expr.CmpOpNeq
	}
	return []expr.Any{
		&expr.Meta{Key: key, Register: reg1},
		&expr.Cmp{Op: op, Register: reg1, Data: ifnameBytes(name)},
	}
}

// ifnamePrefix matches interface names that start with prefix.
func ifnamePrefix(key expr.MetaKey, prefix string) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: key, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte(prefix)},
	}
}

func ifnameBytes(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

// ipv4 matches IPv4 packets (inet family).
func ipv4() []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{unix.NFPROTO_IPV4}},
	}
}

// ipAddr matches the IPv4 header's address at offset (12 source, 16
// destination).
func ipAddr(offset uint32, a netip.Addr) []expr.Any {
	b := a.As4()
	return []expr.Any{
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: b[:]},
	}
}

// ipPrefix matches the address at offset within p; in false: outside it.
func ipPrefix(offset uint32, p netip.Prefix, in bool) []expr.Any {
	mask := make([]byte, 4)
	binary.BigEndian.PutUint32(mask, ^uint32(0)<<(32-p.Bits()))
	net := p.Addr().As4()
	op := expr.CmpOpEq
	if !in {
		op = expr.CmpOpNeq
	}
	return []expr.Any{
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: op, Register: reg1, Data: net[:]},
	}
}

func l4proto(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: []byte{proto}},
	}
}

// dport matches the transport header's destination port (TCP and UDP
// alike); l4proto must come first.
func dport(p uint16) []expr.Any {
	b := make([]byte, 2)
	binary.BigEndian.PutUint16(b, p)
	return []expr.Any{
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: b},
	}
}

func tcpDport(p uint16) []expr.Any {
	return append(l4proto(unix.IPPROTO_TCP), dport(p)...)
}

func dnat(to netip.Addr) []expr.Any {
	b := to.As4()
	return []expr.Any{
		&expr.Immediate{Register: reg1, Data: b[:]},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: reg1},
	}
}

// ctState matches connections in any of the states of bits.
func ctState(bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: reg1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: nativeUint32(bits), Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: make([]byte, 4)},
	}
}

// ctStatusDNAT matches connections whose destination was NAT-ed.
func ctStatusDNAT() []expr.Any {
	const ipsDstNAT = 1 << 5 // IPS_DST_NAT
	return []expr.Any{
		&expr.Ct{Register: reg1, Key: expr.CtKeySTATUS},
		&expr.Bitwise{SourceRegister: reg1, DestRegister: reg1, Len: 4, Mask: nativeUint32(ipsDstNAT), Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: reg1, Data: make([]byte, 4)},
	}
}

func nativeUint32(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// etherType matches the frame's EtherType (bridge family).
func etherType(t uint16) []expr.Any {
	b := make([]byte, 2)
	binary.BigEndian.PutUint16(b, t)
	return []expr.Any{
		&expr.Payload{DestRegister: reg1, Base: expr.PayloadBaseLLHeader, Offset: 12, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: reg1, Data: b},
	}
}

// portAddr loads the input port's name and the IPv4 address at offset of
// the network header (IP's source 12, ARP's sender 14) as a concatenation.
func portAddr(base expr.PayloadBase, offset uint32) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: reg32Name},
		&expr.Payload{DestRegister: reg32Addr, Base: base, Offset: offset, Len: 4},
	}
}

func notInSet(s *nftables.Set) []expr.Any {
	return []expr.Any{&expr.Lookup{SourceRegister: reg32Name, SetName: s.Name, SetID: s.ID, Invert: true}}
}
