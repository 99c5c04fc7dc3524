package scheduler

import (
	"slices"
	"sync"
	"time"
)

// AsyncEvent is one Event invocation as the queue's store keeps it: what
// the caller sent and where it stands, never the function's resolved
// configuration, which the queue looks up by Function and Qualifier when
// the event runs (QueueConfig.Resolve), as Lambda runs an event with the
// function as it is then.
type AsyncEvent struct {
	ID              string // the request id
	Function        string
	Qualifier       string `json:",omitempty"` // "": $LATEST
	FunctionARN     string
	Payload         []byte
	ContentType     string `json:",omitempty"`
	TraceID         string `json:",omitempty"`
	ClientContext   string `json:",omitempty"`
	CognitoIdentity string `json:",omitempty"`
	Enqueued        time.Time
	// Due is when the event runs next: Enqueued, or a retry's time.
	Due time.Time
	// Attempts counts the runs that ended in a function error: the
	// retries used. Runs counts every run the function got, for the
	// destination record's approximateInvokeCount.
	Attempts int `json:",omitempty"`
	Runs     int `json:",omitempty"`
	// Backoffs counts the throttles and lambdad failures since the last
	// run: its backoff doubles with each.
	Backoffs int `json:",omitempty"`
}

// Bytes is what the event counts against QueueConfig.MaxBytes.
func (e AsyncEvent) Bytes() int64 {
	return int64(eventOverhead + len(e.Payload) + len(e.ClientContext) + len(e.CognitoIdentity) + len(e.TraceID))
}

// QueueStore keeps the async queue's events. Put is durable when it
// returns (the daemon's store, package asyncq, has synced it to disk);
// every event not yet Done is the store's until then, and one that was
// Taken but never Done nor Rescheduled before a restart is Taken again
// after it: at-least-once. Leases are the store's memory only.
type QueueStore interface {
	// Put adds e, due at e.Due.
	Put(e AsyncEvent) error
	// Take leases up to max events due at now, earliest first: no other
	// Take returns them until they are Rescheduled.
	Take(now time.Time, max int) ([]AsyncEvent, error)
	// Done removes the event id: it ran, or will never run.
	Done(id string) error
	// Reschedule ends the lease of the event of e.ID and makes it e (its
	// Due, Attempts, Runs and Backoffs changed).
	Reschedule(e AsyncEvent) error
	// NextDue is when the earliest event not leased is due; false: none.
	NextDue() (time.Time, bool)
	// Stats counts the events (leased or not) and their Bytes, and tells
	// when the oldest was enqueued (zero: none).
	Stats() QueueStats
}

// QueueStats describes the events a QueueStore holds.
type QueueStats struct {
	Depth  int
	Bytes  int64
	Oldest time.Time // the earliest Enqueued; zero when Depth is 0
}

// MemoryStore is a QueueStore in memory: it loses its events with the
// process. The queue uses one when given no store; package asyncq builds
// its durable store on one.
type MemoryStore struct {
	mu     sync.Mutex
	events map[string]*memEvent // mu
	bytes  int64                // mu: the Bytes of events
}

type memEvent struct {
	AsyncEvent
	leased bool
}

var _ QueueStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{events: map[string]*memEvent{}} }

// Put adds e (or replaces the event of its ID).
func (m *MemoryStore) Put(e AsyncEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.events[e.ID]; ok {
		m.bytes -= old.Bytes()
	}
	m.events[e.ID] = &memEvent{AsyncEvent: e}
	m.bytes += e.Bytes()
	return nil
}

// Take leases up to max due events, earliest first. (A scan: the queue
// takes in batches, and holds at most --async-queue-max events.)
func (m *MemoryStore) Take(now time.Time, max int) ([]AsyncEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []*memEvent
	for _, e := range m.events {
		if !e.leased && !e.Due.After(now) {
			due = append(due, e)
		}
	}
	slices.SortFunc(due, func(a, b *memEvent) int { return a.Due.Compare(b.Due) })
	var out []AsyncEvent
	for _, e := range due[:min(max, len(due))] {
		e.leased = true
		out = append(out, e.AsyncEvent)
	}
	return out, nil
}

// Done removes id.
func (m *MemoryStore) Done(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.events[id]; ok {
		m.bytes -= e.Bytes()
		delete(m.events, id)
	}
	return nil
}

// Reschedule makes the event of e.ID e, not leased.
func (m *MemoryStore) Reschedule(e AsyncEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.events[e.ID]; ok {
		m.bytes += e.Bytes() - old.Bytes()
		m.events[e.ID] = &memEvent{AsyncEvent: e}
	}
	return nil
}

// Event is the event id, leased or not.
func (m *MemoryStore) Event(id string) (AsyncEvent, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.events[id]
	if !ok {
		return AsyncEvent{}, false
	}
	return e.AsyncEvent, true
}

// NextDue is the earliest Due of the events not leased.
func (m *MemoryStore) NextDue() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var next time.Time
	found := false
	for _, e := range m.events {
		if !e.leased && (!found || e.Due.Before(next)) {
			next, found = e.Due, true
		}
	}
	return next, found
}

// Stats counts the events.
func (m *MemoryStore) Stats() QueueStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := QueueStats{Depth: len(m.events), Bytes: m.bytes}
	for _, e := range m.events {
		if s.Oldest.IsZero() || e.Enqueued.Before(s.Oldest) {
			s.Oldest = e.Enqueued
		}
	}
	return s
}
