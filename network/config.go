package network

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
)

// Mode is how a sandbox is networked.
type Mode string

const (
	// Egress: its own network namespace, with an interface on lambdad's
	// bridge: the world through NAT, the host's allowed ports at
	// host.lambdad.internal, nothing else.
	Egress Mode = "egress"
	// None: its own network namespace with loopback only.
	None Mode = "none"
	// Host: the host's network namespace (localhost is the host's).
	Host Mode = "host"
)

// ParseMode parses a mode's name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Egress, None, Host:
		return m, nil
	}
	return "", fmt.Errorf("network mode %q: want egress, none or host", s)
}

// HostName is the name of the host inside egress sandboxes.
const HostName = "host.lambdad.internal"

// Defaults.
const (
	DefaultBridge = "lambdad0"
	DefaultSubnet = "10.213.0.0/16"
)

// Config says what network to make.
type Config struct {
	// Bridge names the bridge and the nftables tables; the sandboxes'
	// host-side interfaces are named after it (PortPrefix). Default
	// lambdad0.
	Bridge string
	// Subnet holds the bridge's address (the first) and the sandboxes'
	// (the rest). IPv4, /8 to /28; it must not overlap the host's routes.
	Subnet netip.Prefix
	// HostPorts are the TCP ports of the host that sandboxes may connect
	// to at host.lambdad.internal, besides Invoke's.
	HostPorts []uint16
	// Invoke is the Invoke API's address: sandboxes can always reach its
	// port at host.lambdad.internal, so a function can invoke another.
	// Zero (a daemon listening on unix sockets only): no such port.
	Invoke netip.AddrPort
	// ResolvConf is the host's resolver configuration; default
	// /etc/resolv.conf.
	ResolvConf string
	// Dir is where the network keeps its files (resolv.conf, each
	// sandbox's hosts): a directory of its own, emptied at New.
	Dir    string
	Logger *slog.Logger
}

// ParsePorts parses a comma-separated list of TCP ports ("4566,8000").
func ParsePorts(s string) ([]uint16, error) {
	var ports []uint16
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := strconv.ParseUint(f, 10, 16)
		if err != nil || p == 0 {
			return nil, fmt.Errorf("port %q: want a number from 1 to 65535", f)
		}
		ports = append(ports, uint16(p))
	}
	return ports, nil
}

func (c *Config) validate() error {
	if c.Bridge == "" {
		c.Bridge = DefaultBridge
	}
	if len(c.Bridge) > maxBridgeName {
		return fmt.Errorf("bridge name %q: at most %d characters", c.Bridge, maxBridgeName)
	}
	if !c.Subnet.IsValid() {
		c.Subnet = netip.MustParsePrefix(DefaultSubnet)
	}
	c.Subnet = c.Subnet.Masked()
	if !c.Subnet.Addr().Is4() || c.Subnet.Bits() < 8 || c.Subnet.Bits() > 28 {
		return fmt.Errorf("subnet %s: want an IPv4 prefix from /8 to /28", c.Subnet)
	}
	if c.ResolvConf == "" {
		c.ResolvConf = "/etc/resolv.conf"
	}
	if c.Dir == "" {
		return errors.New("no directory for the network's files")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// maxBridgeName is what an interface's name may hold (IFNAMSIZ less the
// terminating NUL).
const maxBridgeName = 15
