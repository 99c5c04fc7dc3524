// Package network gives egress sandboxes their network: a bridge lambdad
// owns (lambdad0), a veth pair per sandbox with an address from a private
// subnet, NAT to the host's uplink, the host's services at
// host.lambdad.internal on the ports allowed, DNS that works from inside —
// and filtering that allows nothing else. It is built with netlink
// (github.com/vishvananda/netlink) and nftables
// (github.com/google/nftables): no ip, iptables or nft binary.
//
// A Network is made once per daemon (New) and closed at its exit (Close);
// Attach gives one sandbox's network namespace its interface, and the
// returned detach takes it back. What it creates on the host, all named
// after the bridge so that several daemons (tests) can coexist:
//
//   - the bridge, with the subnet's first address (the sandboxes' gateway
//     and host.lambdad.internal);
//   - one veth per sandbox: PortPrefix and 8 hex digits on the bridge,
//     eth0 inside, its port isolated (no frame goes from one sandbox's
//     port to another's);
//   - two nftables tables named after the bridge, in the inet and bridge
//     families (rules.go): masquerade out, the allowed host ports
//     DNAT-ed to the host, everything else from the bridge to the host
//     refused, no new connection into the bridge, and per port only its
//     own address (no spoofing) and only IPv4 and ARP;
//   - net.ipv4.ip_forward on (if it was off, forwarding is kept to
//     lambdad's bridges' traffic and the setting restored when the last
//     network closes: forward.go), and route_localnet on the bridge, so
//     that services listening on the host's loopback are reachable;
//   - if the host's resolver is on loopback (systemd-resolved, dnsmasq), a
//     DNS forwarder on the bridge address (dns.go), unless a resolver
//     already listens there.
//
// New first removes whatever a crashed daemon with the same bridge left.
package network
