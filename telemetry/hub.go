package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of a subscribe request; ServeSubscribe turns them into HTTP.
var (
	errClosed   = errors.New("telemetry hub closed")
	errOtherAPI = errors.New("already subscribed through the other API")
)

// Hub is the Telemetry and Logs APIs of one sandbox: its extensions'
// subscriptions, and the events of the sandbox's life and output, buffered
// and delivered to each subscriber. Its methods are safe for concurrent use.
type Hub struct {
	dial   Dialer
	logger *slog.Logger
	// ctx ends at Close: it stops every delivery goroutine and the delivery
	// in flight.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // delivery goroutines, retired subscribers' too
	active atomic.Int32   // len(subs), read without mu by Subscribed and emit

	mu     sync.RWMutex
	subs   []*subscriber // mu: one per extension, in subscription order
	closed bool          // mu
}

// New returns a Hub that reaches subscribers through dial.
func New(dial Dialer, logger *slog.Logger) *Hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{dial: dial, logger: logger, ctx: ctx, cancel: cancel}
}

// Subscribed tells whether any extension subscribed: callers skip building
// events otherwise.
func (h *Hub) Subscribed() bool { return h.active.Load() > 0 }

// subscribe records name's subscription, replacing its previous one (whose
// subscriber delivers what it holds and ends): a repeated request does not
// duplicate a subscription.
func (h *Hub) subscribe(name string, api API, sub subscription) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosed
	}
	s := newSubscriber(h, name, sub)
	i := slices.IndexFunc(h.subs, func(s *subscriber) bool { return s.name == name })
	if i >= 0 {
		if h.subs[i].enc.api() != api {
			return errOtherAPI
		}
		h.subs[i].retire()
		h.subs[i] = s
	} else {
		h.subs = append(h.subs, s)
	}
	h.active.Store(int32(len(h.subs)))
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s.run(h.ctx)
	}()
	return nil
}

// record is one record of an event, in one encoding.
type record struct {
	typ    string
	record any
}

// emit encodes an event once per encoding its subscribers use, with build,
// and queues it to every subscriber of its class. It never waits for a
// subscriber: a full buffer drops the records.
func (h *Hub) emit(t time.Time, c class, build func(encoding) []record) {
	if h.active.Load() == 0 {
		return
	}
	var encoded [numEncodings][][]byte
	var built [numEncodings]bool
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, s := range h.subs {
		if s.classes&c == 0 {
			continue
		}
		if !built[s.enc] {
			encoded[s.enc], built[s.enc] = h.encode(t, build(s.enc)), true
		}
		if len(encoded[s.enc]) > 0 {
			s.enqueue(encoded[s.enc])
		}
	}
}

// encode is records as the JSON objects a subscriber receives.
func (h *Hub) encode(t time.Time, records []record) [][]byte {
	out := make([][]byte, 0, len(records))
	for _, r := range records {
		b, err := marshalEvent(t, r)
		if err != nil {
			h.logger.Error("telemetry: encode event", "type", r.typ, "err", err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// marshalEvent is one event: {"time", "type", "record"}, on one line, with
// <, > and & as written.
func marshalEvent(t time.Time, r record) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		Time   string `json:"time"`
		Type   string `json:"type"`
		Record any    `json:"record"`
	}{formatTime(t), r.typ, r.record})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// Flush delivers what every subscriber holds now, without waiting for its
// buffering timeout, and returns once it is delivered (or dropped after
// its retries), or ctx's error when ctx ends first.
func (h *Hub) Flush(ctx context.Context) error {
	h.mu.RLock()
	subs := slices.Clone(h.subs)
	h.mu.RUnlock()
	targets := make([]uint64, len(subs))
	for i, s := range subs {
		targets[i] = s.requestFlush()
	}
	for i, s := range subs {
		if err := s.waitHandled(ctx, targets[i]); err != nil {
			return err
		}
	}
	return nil
}

// Close stops the Hub: nothing is delivered after it returns, and no
// goroutine of it is left. Events emitted after it are discarded, and
// subscribe requests refused.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.subs = nil
	h.active.Store(0)
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
}
