package scheduler

import (
	"container/heap"
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
// its durable store on one. The events not leased are a heap by Due, so
// Take and NextDue cost O(log n) however long the backlog.
type MemoryStore struct {
	mu     sync.Mutex
	events map[string]*memEvent // mu
	due    dueHeap              // mu: the events not leased
	bytes  int64                // mu: the Bytes of events
}

type memEvent struct {
	AsyncEvent
	index int // in due; -1: leased
}

var _ QueueStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{events: map[string]*memEvent{}} }

// Put adds e (or replaces the event of its ID), not leased.
func (m *MemoryStore) Put(e AsyncEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.events[e.ID]; ok {
		m.bytes -= old.Bytes()
		if old.index >= 0 {
			heap.Remove(&m.due, old.index)
		}
	}
	me := &memEvent{AsyncEvent: e}
	m.events[e.ID] = me
	heap.Push(&m.due, me)
	m.bytes += e.Bytes()
	return nil
}

// Take leases up to max due events, earliest first.
func (m *MemoryStore) Take(now time.Time, max int) ([]AsyncEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []AsyncEvent
	for len(out) < max && len(m.due) > 0 && !m.due[0].Due.After(now) {
		e := heap.Pop(&m.due).(*memEvent)
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
		if e.index >= 0 {
			heap.Remove(&m.due, e.index)
		}
		delete(m.events, id)
	}
	return nil
}

// Reschedule makes the event of e.ID e, not leased.
func (m *MemoryStore) Reschedule(e AsyncEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.events[e.ID]
	if !ok {
		return nil
	}
	m.bytes += e.Bytes() - old.Bytes()
	old.AsyncEvent = e
	if old.index >= 0 {
		heap.Fix(&m.due, old.index)
	} else {
		heap.Push(&m.due, old)
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
	if len(m.due) == 0 {
		return time.Time{}, false
	}
	return m.due[0].Due, true
}

// Stats counts the events. (Oldest is a scan: for start and for
// observers, not for every event.)
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

// dueHeap orders events by Due, then Enqueued, then ID (container/heap).
type dueHeap []*memEvent

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if !h[i].Due.Equal(h[j].Due) {
		return h[i].Due.Before(h[j].Due)
	}
	if !h[i].Enqueued.Equal(h[j].Enqueued) {
		return h[i].Enqueued.Before(h[j].Enqueued)
	}
	return h[i].ID < h[j].ID
}
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*memEvent)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}
