package telemetry

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// A subscriber's buffer holds at most this many records and bytes besides
// the batch in flight (two batches at the largest maxItems, four at the
// largest maxBytes): beyond, records are dropped and counted for
// platform.logsDropped, so that a slow or absent extension costs bounded
// memory and never holds up the sandbox, while a burst of output does not
// lose lines to a subscriber that keeps up.
const (
	bufferItems = 20000
	bufferBytes = 4 << 20
)

// Retries of a failed delivery: after the first attempt, one per backoff;
// then the batch is dropped. attemptTimeout bounds one attempt.
var (
	retryBackoff   = []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond}
	attemptTimeout = 5 * time.Second
)

const droppedReason = "Some logs were dropped because the downstream consumer is slower than the logs production rate"

// item is one encoded record in a subscriber's buffer.
type item struct {
	b []byte
	// dropped and droppedBytes are what a platform.logsDropped record
	// reports, so that they count again if it is dropped in turn.
	dropped, droppedBytes int
}

// subscriber is one extension's subscription: its buffer and the goroutine
// that delivers it.
type subscriber struct {
	name      string
	enc       encoding
	classes   class
	buffering buffering
	sender    sender
	logger    *slog.Logger
	wake      chan struct{} // cap 1: the buffer, a flush or retirement changed

	mu           sync.Mutex
	queue        []item        // mu: records waiting, oldest first
	bytes        int           // mu: their size
	since        time.Time     // mu: when the oldest of them came
	queued       uint64        // mu: records ever queued
	handled      uint64        // mu: records delivered, or dropped after failing
	flushTo      uint64        // mu: deliver at once while handled is below it
	progress     chan struct{} // mu: closed and replaced when handled grows
	retired      bool          // mu: deliver what is queued, take no more, end
	dropped      int           // mu: records dropped since the last platform.logsDropped
	droppedBytes int           // mu
}

func newSubscriber(h *Hub, name string, sub subscription) *subscriber {
	s := &subscriber{
		name:      name,
		enc:       sub.enc,
		classes:   sub.classes,
		buffering: sub.buffering,
		logger:    h.logger.With("extension", name),
		wake:      make(chan struct{}, 1),
		progress:  make(chan struct{}),
	}
	if sub.dest.tcp {
		s.sender = newTCPSender(h.dial, sub.dest)
	} else {
		s.sender = newHTTPSender(h.dial, sub.dest)
	}
	return s
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// enqueue buffers records, or drops those that do not fit. It never blocks
// on delivery.
func (s *subscriber) enqueue(records [][]byte) {
	s.mu.Lock()
	if s.retired {
		s.mu.Unlock()
		return
	}
	wasEmpty := len(s.queue) == 0
	size := 0
	for _, r := range records {
		size += len(r)
	}
	if s.dropped > 0 && s.fits(len(records)+1, size+200) {
		s.push(s.droppedItem())
	}
	for _, r := range records {
		if !s.fits(1, len(r)) {
			s.dropped++
			s.droppedBytes += len(r)
			continue
		}
		s.push(item{b: r})
	}
	wake := wasEmpty && len(s.queue) > 0 || s.full()
	s.mu.Unlock()
	if wake {
		s.signal()
	}
}

// fits tells whether n more records of size bytes fit the buffer. s.mu is
// held.
func (s *subscriber) fits(n, size int) bool {
	return len(s.queue)+n <= bufferItems && s.bytes+size <= bufferBytes
}

// full tells whether a batch is full. s.mu is held.
func (s *subscriber) full() bool {
	return len(s.queue) >= s.buffering.maxItems || s.bytes >= s.buffering.maxBytes
}

// push appends it to the buffer. s.mu is held.
func (s *subscriber) push(it item) {
	if len(s.queue) == 0 {
		s.since = time.Now()
	}
	s.queue = append(s.queue, it)
	s.bytes += len(it.b)
	s.queued++
}

// droppedItem is the platform.logsDropped record of the drops counted so
// far, which it resets. s.mu is held.
func (s *subscriber) droppedItem() item {
	b, _ := marshalEvent(time.Now(), record{typeLogsDropped, logsDroppedRecord{droppedReason, s.dropped, s.droppedBytes}})
	it := item{b: b, dropped: s.dropped, droppedBytes: s.droppedBytes}
	s.dropped, s.droppedBytes = 0, 0
	return it
}

// retire makes the subscriber deliver what it holds and end: its extension
// subscribed again.
func (s *subscriber) retire() {
	s.mu.Lock()
	s.retired = true
	s.mu.Unlock()
	s.signal()
}

// requestFlush makes what is buffered due now, and returns the count of
// handled records that means it was delivered.
func (s *subscriber) requestFlush() uint64 {
	s.mu.Lock()
	s.flushTo = max(s.flushTo, s.queued)
	target := s.queued
	s.mu.Unlock()
	s.signal()
	return target
}

// waitHandled waits until target records were handled, or ctx ends.
func (s *subscriber) waitHandled(ctx context.Context, target uint64) error {
	for {
		s.mu.Lock()
		done, progress := s.handled >= target, s.progress
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run delivers batches until ctx ends (the Hub closed), or the subscriber
// is retired and empty.
func (s *subscriber) run(ctx context.Context) {
	defer s.sender.close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		batch, ok := s.next(ctx, timer)
		if !ok {
			return
		}
		err := s.deliver(ctx, batch)
		if ctx.Err() != nil {
			return
		}
		s.finish(batch, err)
	}
}

// next waits for a batch that is due: full, timed out, flushed, or the
// rest of a retired subscriber's buffer.
func (s *subscriber) next(ctx context.Context, timer *time.Timer) ([]item, bool) {
	for {
		s.mu.Lock()
		n := len(s.queue)
		if n == 0 && s.retired {
			s.mu.Unlock()
			return nil, false
		}
		wait := time.Duration(-1)
		if n > 0 {
			wait = time.Until(s.since.Add(s.buffering.timeout))
			if wait <= 0 || s.full() || s.retired || s.flushTo > s.handled {
				batch := s.take()
				s.mu.Unlock()
				return batch, true
			}
		}
		s.mu.Unlock()
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case <-s.wake:
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, false
		}
		timer.Stop()
	}
}

// take removes the next batch from the buffer: up to maxItems records and
// maxBytes bytes (one record at least). s.mu is held.
func (s *subscriber) take() []item {
	n, size := 0, 0
	for n < len(s.queue) && n < s.buffering.maxItems && (n == 0 || size+len(s.queue[n].b) <= s.buffering.maxBytes) {
		size += len(s.queue[n].b)
		n++
	}
	batch := slices.Clone(s.queue[:n])
	clear(s.queue[:n])
	s.queue = s.queue[n:]
	if len(s.queue) == 0 {
		s.queue = nil
	}
	// What is left keeps its time: it has waited since then.
	s.bytes -= size
	return batch
}

// deliver sends batch, retrying a failed attempt after each backoff.
func (s *subscriber) deliver(ctx context.Context, batch []item) error {
	var err error
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err = s.sender.send(actx, batch)
		cancel()
		if err == nil || attempt == len(retryBackoff) || ctx.Err() != nil {
			return err
		}
		s.logger.Debug("telemetry: delivery failed, retrying", "records", len(batch), "err", err)
		select {
		case <-time.After(retryBackoff[attempt]):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// finish counts a batch handled: a failed one as dropped, reported later
// in a platform.logsDropped record. That record is queued after a delivery
// that worked (or with the next record queued), never straight after a
// failure, so that an absent extension is not retried forever.
func (s *subscriber) finish(batch []item, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handled += uint64(len(batch))
	close(s.progress)
	s.progress = make(chan struct{})
	if err != nil {
		n, size := 0, 0
		for _, it := range batch {
			if it.dropped > 0 {
				s.dropped += it.dropped
				s.droppedBytes += it.droppedBytes
				continue
			}
			s.dropped++
			s.droppedBytes += len(it.b)
			n++
			size += len(it.b)
		}
		s.logger.Warn("telemetry: dropped records the extension did not take", "records", n, "bytes", size, "err", err)
		return
	}
	if s.dropped > 0 && !s.retired && s.fits(1, 200) {
		s.push(s.droppedItem())
	}
}
