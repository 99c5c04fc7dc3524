// Package networktest helps tests prove that a network left nothing on
// the host.
package networktest

import (
	"fmt"
	"strings"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

// Leftovers lists what remains on the host of the network of bridge: the
// bridge, interfaces named like its ports (portPrefix), nftables tables of
// its name.
func Leftovers(bridge, portPrefix string) []string {
	var left []string
	if _, err := netlink.LinkByName(bridge); err == nil {
		left = append(left, "bridge "+bridge)
	}
	links, _ := netlink.LinkList()
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, portPrefix) {
			left = append(left, "interface "+l.Attrs().Name)
		}
	}
	if c, err := nftables.New(); err == nil {
		tables, _ := c.ListTables()
		for _, t := range tables {
			if t.Name == bridge {
				left = append(left, fmt.Sprintf("nftables table %s (family %d)", t.Name, t.Family))
			}
		}
	}
	return left
}
