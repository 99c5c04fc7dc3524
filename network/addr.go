package network

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"sync"
)

// ErrNoAddress: every address of the subnet is in use.
var ErrNoAddress = errors.New("network: no address left in the subnet")

// addresses hands out the subnet's addresses to sandboxes: the first is the
// bridge's, the last the broadcast's; each other one to one sandbox at a
// time. Its index within the subnet also names the sandbox's port.
type addresses struct {
	subnet netip.Prefix

	mu    sync.Mutex
	used  map[uint32]bool // mu
	next  uint32          // mu; where the search for a free one starts
	count uint32          // addresses in the subnet
}

func newAddresses(subnet netip.Prefix) *addresses {
	return &addresses{subnet: subnet, used: map[uint32]bool{}, next: 2, count: 1 << (32 - subnet.Bits())}
}

// gateway is the bridge's address.
func (a *addresses) gateway() netip.Addr { return a.at(1) }

// at is the subnet's i-th address.
func (a *addresses) at(i uint32) netip.Addr {
	b := a.subnet.Addr().As4()
	binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])+i)
	return netip.AddrFrom4(b)
}

// take hands out a free address and its index, the ones least recently
// freed last, so that an address is not reused at once.
func (a *addresses) take() (netip.Addr, uint32, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for n := uint32(0); n < a.count; n++ {
		i := a.next
		a.next++
		if a.next >= a.count-1 {
			a.next = 2
		}
		if i < 2 || i >= a.count-1 || a.used[i] {
			continue
		}
		a.used[i] = true
		return a.at(i), i, nil
	}
	return netip.Addr{}, 0, ErrNoAddress
}

// give returns the address of index i.
func (a *addresses) give(i uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.used, i)
}
