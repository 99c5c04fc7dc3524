// Package asyncq is the async (Event) queue's durable store: a
// scheduler.QueueStore in a bbolt database of its own,
// <state-dir>/async/queue.db.
//
// Put commits the event (bbolt fsyncs its file) before it returns, so an
// event whose 202 went out survives a SIGKILL or a power cut; Done
// deletes it; Reschedule rewrites it with its next due time and counts.
// Leases are memory only: at Open every event in the file is due again
// when its Due says, so one that was running when the daemon died runs
// again (at least once; a duplicate only across a crash). Concurrent
// writes share one commit (bbolt's Batch), so a burst of invokes pays
// one fsync per batch, not one each.
//
// A file of its own rather than a bucket of the catalog's
// (control/catalog.db): the queue writes two or three times per Event
// invoke, the catalog once per deploy, and bbolt has one writer at a
// time, so sharing would put deploys behind bursts of invokes; the
// queue's payloads churn (bbolt's file never shrinks, its free pages
// grow), and a file apart can be compacted or, in the worst case,
// removed without touching the functions; and a later shared backend
// (docs/shared-backend.md) replaces the queue alone.
//
// The index of events (what is due when, what is leased) is a
// scheduler.MemoryStore filled from the file at Open: the payloads are in
// memory as well as on disk, bounded by --async-queue-max and
// --async-queue-max-bytes as before.
package asyncq
