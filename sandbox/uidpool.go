package sandbox

import (
	"fmt"
	"sync"
)

// DefaultFirstUID is the first host uid (and gid) of sandboxes, the start
// of the range systemd's UIDS-GIDS.md lists as unused between its container
// ranges (524288–1879048191) and 2^31, above which programs and some
// kernel interfaces mishandle ids. Two daemons on one host need ranges of
// their own.
const DefaultFirstUID = 0x70000000

// UIDsPerRange is how many host ids a Manager uses from its first: two per
// sandbox slot, so 32768 sandboxes at once.
const UIDsPerRange = 65536

// uidPool hands out sandbox slots: slot i has host ids first+2i (the
// function's) and first+2i+1 (its namespace's root). A slot's user
// namespace is made the first time the slot is used and kept for the next
// sandbox that takes it: the namespace holds nothing of a sandbox once that
// sandbox's processes are gone, and making one costs a process.
type uidPool struct {
	first int

	mu   sync.Mutex
	free []*userNS // mu; not in use, the last freed last
	next int       // mu; the lowest slot never used
}

func newUIDPool(first int) *uidPool {
	return &uidPool{first: first}
}

// get takes a slot whose namespace maps inUID and inGID to its uid.
func (p *uidPool) get(inUID, inGID int) (*userNS, error) {
	p.mu.Lock()
	var u *userNS
	if n := len(p.free); n > 0 {
		u = p.free[n-1]
		p.free = p.free[:n-1]
	} else if 2*p.next+1 < UIDsPerRange {
		u = &userNS{slot: p.next, uid: p.first + 2*p.next, root: p.first + 2*p.next + 1}
		p.next++
	}
	p.mu.Unlock()
	if u == nil {
		return nil, fmt.Errorf("%w: all %d in use", ErrNoUIDs, UIDsPerRange/2)
	}
	if u.ns != nil && (u.inUID != inUID || u.inGID != inGID) {
		u.ns.Close()
		u.ns = nil
	}
	if u.ns == nil {
		ns, err := newUserNS(u.uid, u.root, inUID, inGID)
		if err != nil {
			p.put(u)
			return nil, err
		}
		u.ns, u.inUID, u.inGID = ns, inUID, inGID
	}
	return u, nil
}

// put gives a slot back once nothing of its sandbox runs.
func (p *uidPool) put(u *userNS) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, u)
}
