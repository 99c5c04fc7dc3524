package sandbox

import (
	"fmt"
	"sync"

	"github.com/lambdad/lambdad/lambda"
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
// sandbox's processes are gone, and making one costs a process (~1 ms, more
// on a busy host). With ahead, once the sandboxes outgrow the slots made so
// far, that many more are made in the background, for lambda's ids, so the
// next cold start finds one ready.
type uidPool struct {
	first int

	mu     sync.Mutex
	free   []*userNS // mu; not in use, the last freed last
	ready  []*userNS // mu; never used, their namespace made ahead
	ahead  int       // mu; how many to keep ready
	making int       // mu; being made ahead
	next   int       // mu; the lowest slot never handed out
}

func newUIDPool(first int) *uidPool {
	return &uidPool{first: first}
}

// get takes a slot whose namespace maps inUID and inGID to its uid.
func (p *uidPool) get(inUID, inGID int) (*userNS, error) {
	p.mu.Lock()
	var u *userNS
	switch {
	case len(p.free) > 0:
		u = p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
	case len(p.ready) > 0:
		u = p.ready[0]
		p.ready = p.ready[1:]
		p.refillLocked()
	default:
		u = p.newSlotLocked()
		p.refillLocked()
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

// newSlotLocked is the lowest slot never handed out, or nil if none is left.
func (p *uidPool) newSlotLocked() *userNS {
	if 2*p.next+1 >= UIDsPerRange {
		return nil
	}
	u := &userNS{slot: p.next, uid: p.first + 2*p.next, root: p.first + 2*p.next + 1}
	p.next++
	return u
}

// refillLocked starts making namespaces ahead until ahead are ready or
// being made.
func (p *uidPool) refillLocked() {
	for len(p.ready)+p.making < p.ahead {
		u := p.newSlotLocked()
		if u == nil {
			return
		}
		p.making++
		go p.makeAhead(u)
	}
}

// makeAhead makes u's namespace for lambda's ids, and adds u to the ready
// slots (or, if that failed, to the free ones: get makes it then).
func (p *uidPool) makeAhead(u *userNS) {
	ns, err := newUserNS(u.uid, u.root, lambda.UID, lambda.GID)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.making--
	if err != nil {
		p.free = append(p.free, u)
		return
	}
	u.ns, u.inUID, u.inGID = ns, lambda.UID, lambda.GID
	p.ready = append(p.ready, u)
}

// setAhead sets how many namespaces to keep ready once sandboxes outgrow
// the slots made so far.
func (p *uidPool) setAhead(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ahead = n
}

// put gives a slot back once nothing of its sandbox runs.
func (p *uidPool) put(u *userNS) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, u)
}
