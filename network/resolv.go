package network

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"strings"
)

// resolvConf is what the sandboxes' /etc/resolv.conf is made from: the
// host's, whose nameservers a sandbox cannot reach itself (on the host's
// loopback, or IPv6: sandboxes have IPv4 only) are reached through a
// forwarder on the gateway instead.
type resolvConf struct {
	direct    []netip.Addr // reachable from a sandbox, through NAT
	forwarded []netip.Addr // reached through the forwarder
	rest      []string     // search, domain and options lines, as they are
}

// parseResolvConf reads the host's resolver configuration; a missing file
// is an empty one.
func parseResolvConf(path string) (resolvConf, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return resolvConf{}, nil
	}
	if err != nil {
		return resolvConf{}, err
	}
	var rc resolvConf
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) < 2 {
				continue
			}
			addr, err := netip.ParseAddr(strings.SplitN(f[1], "%", 2)[0]) // no zone: the forwarder dials it
			if err != nil {
				continue
			}
			if addr.Unmap().Is4() && !addr.IsLoopback() {
				rc.direct = append(rc.direct, addr.Unmap())
			} else {
				rc.forwarded = append(rc.forwarded, addr)
			}
		case "search", "domain", "options":
			rc.rest = append(rc.rest, line)
		}
	}
	return rc, sc.Err()
}

// sandboxFile is the sandboxes' resolv.conf, with the gateway (where the
// forwarder listens) in the place of the nameservers it forwards to.
func (rc resolvConf) sandboxFile(gateway netip.Addr) []byte {
	var b bytes.Buffer
	b.WriteString("# made by lambdad from the host's resolver configuration\n")
	if len(rc.forwarded) > 0 {
		fmt.Fprintf(&b, "nameserver %s\n", gateway)
	}
	for _, a := range rc.direct {
		fmt.Fprintf(&b, "nameserver %s\n", a)
	}
	for _, l := range rc.rest {
		b.WriteString(l + "\n")
	}
	return b.Bytes()
}
