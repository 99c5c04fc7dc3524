package network

import (
	"errors"
	"net/netip"
	"testing"
)

func TestAddresses(t *testing.T) {
	a := newAddresses(netip.MustParsePrefix("198.51.100.0/29")) // 8 addresses: 5 for sandboxes
	if gw := a.gateway().String(); gw != "198.51.100.1" {
		t.Errorf("gateway %s", gw)
	}
	seen := map[string]uint32{}
	for range 5 {
		ip, i, err := a.take()
		if err != nil {
			t.Fatal(err)
		}
		seen[ip.String()] = i
	}
	for _, want := range []string{"198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5", "198.51.100.6"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("%s not handed out: %v", want, seen)
		}
	}
	if _, _, err := a.take(); !errors.Is(err, ErrNoAddress) {
		t.Errorf("a sixth address: %v, want ErrNoAddress", err)
	}
	a.give(seen["198.51.100.4"])
	if ip, _, err := a.take(); err != nil || ip.String() != "198.51.100.4" {
		t.Errorf("after giving .4 back: %s, %v", ip, err)
	}
}
