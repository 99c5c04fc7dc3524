package daemon

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/launcher"
	"github.com/lambdad/lambdad/network"
	"github.com/lambdad/lambdad/rootfs"
)

// networks makes what the daemon's --network mode needs and returns how
// the launcher makes each mode's sandboxes:
//
//   - egress (the default): lambdad's bridge (package network); functions
//     may also ask for none. Function code finds lambdad's Invoke API in
//     AWS_ENDPOINT_URL_LAMBDA, at host.lambdad.internal.
//   - none: loopback only, for every function.
//   - host: the host's network namespace; functions may ask for none.
//     host.lambdad.internal is the host's loopback, and the host's
//     resolv.conf is used as it is.
//
// A daemon that listens only on unix sockets gives sandboxes no Invoke API
// (invoke is not valid).
//
// --aws-endpoint-url becomes every sandbox's AWS_ENDPOINT_URL (a
// LocalStack on the host, say); at host.lambdad.internal, its port is
// allowed too.
func (d *Daemon) networks(invoke netip.AddrPort) (map[string]launcher.Network, error) {
	cfg := d.cfg
	nets := map[string]launcher.Network{function.NetworkNone: {}}
	switch network.Mode(cfg.Network) {
	case network.None:
		return nets, nil
	case network.Egress:
		ports := slices.Clone(cfg.HostPorts)
		if p, ok := hostPort(cfg.AWSEndpointURL); ok {
			ports = append(ports, p)
		}
		n, err := network.New(network.Config{
			Bridge: cfg.Bridge, Subnet: cfg.Subnet, HostPorts: ports, Invoke: invoke,
			ResolvConf: cfg.ResolvConf, Dir: filepath.Join(cfg.RunDir, "network"), Logger: d.logger,
		})
		if err != nil {
			return nil, err
		}
		d.network = n
		lambdaURL := ""
		if invoke.IsValid() {
			lambdaURL = "http://" + net.JoinHostPort(network.HostName, strconv.Itoa(int(invoke.Port())))
		}
		nets[function.NetworkEgress] = launcher.Network{Attacher: n, Env: d.endpointEnv(lambdaURL)}
		return nets, nil
	case network.Host:
		dir := filepath.Join(cfg.RunDir, "network")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		hosts := filepath.Join(dir, "hosts")
		if err := os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost sandbox.localdomain sandbox "+network.HostName+"\n::1\tlocalhost ip6-localhost ip6-loopback\n"), 0o644); err != nil {
			return nil, err
		}
		files := []rootfs.Bind{{Source: hosts, Destination: "/etc/hosts"}}
		if _, err := os.Stat(cfg.ResolvConf); err == nil {
			files = append(files, rootfs.Bind{Source: cfg.ResolvConf, Destination: "/etc/resolv.conf"})
		}
		addr := invoke.Addr()
		if addr.IsUnspecified() {
			addr = netip.MustParseAddr("127.0.0.1")
		}
		lambdaURL := ""
		if invoke.IsValid() {
			lambdaURL = "http://" + netip.AddrPortFrom(addr, invoke.Port()).String()
		}
		nets[string(network.Host)] = launcher.Network{Host: true, Files: files, Env: d.endpointEnv(lambdaURL)}
		return nets, nil
	}
	return nil, fmt.Errorf("network mode %q: want egress, none or host", cfg.Network)
}

// endpointEnv is a network's environment defaults: the Invoke API at
// lambdaURL for the AWS SDKs' Lambda client ("": the daemon listens on no
// TCP address, none), and --aws-endpoint-url for every other service's.
func (d *Daemon) endpointEnv(lambdaURL string) map[string]string {
	env := map[string]string{}
	if lambdaURL != "" {
		env["AWS_ENDPOINT_URL_LAMBDA"] = lambdaURL
	}
	if d.cfg.AWSEndpointURL != "" {
		env["AWS_ENDPOINT_URL"] = d.cfg.AWSEndpointURL
	}
	return env
}

// hostPort is the port of an endpoint URL at host.lambdad.internal.
func hostPort(endpoint string) (uint16, bool) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() != network.HostName {
		return 0, false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, err := strconv.ParseUint(port, 10, 16)
	return uint16(p), err == nil && p > 0
}
