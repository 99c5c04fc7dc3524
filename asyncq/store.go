package asyncq

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lambdad/lambdad/scheduler"
	bolt "go.etcd.io/bbolt"
)

var (
	eventsBucket = []byte("events")
	metaBucket   = []byte("meta")
	schemaKey    = []byte("schema")
)

// schema is the database's format; Open refuses a database of another.
const schema = "1"

// batchDelay is how long a write waits for others to share its commit:
// bbolt's default (10 ms) would be added to every lone Event invoke.
const batchDelay = 2 * time.Millisecond

// Store is the queue's events in a bbolt database.
type Store struct {
	db  *bolt.DB
	mem *scheduler.MemoryStore // the index, and the events' copy in memory
}

var _ scheduler.QueueStore = (*Store)(nil)

// Open opens (or creates) the database at path and reads its events.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("asyncq: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("asyncq: %s: %w (is another lambdad using this state directory?)", path, err)
	}
	db.MaxBatchDelay = batchDelay
	s := &Store{db: db, mem: scheduler.NewMemoryStore()}
	if err := s.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("asyncq: %s: %w", path, err)
	}
	return s, nil
}

// load checks the schema and reads every event into the index.
func (s *Store) load() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		switch v := meta.Get(schemaKey); {
		case v == nil:
			if err := meta.Put(schemaKey, []byte(schema)); err != nil {
				return err
			}
		case string(v) != schema:
			return fmt.Errorf("the database's format is %q, this lambdad reads %q", v, schema)
		}
		b, err := tx.CreateBucketIfNotExists(eventsBucket)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var e scheduler.AsyncEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %s: %w", k, err)
			}
			return s.mem.Put(e)
		})
	})
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Put commits e, then indexes it.
func (s *Store) Put(e scheduler.AsyncEvent) error {
	if err := s.write(e); err != nil {
		return err
	}
	return s.mem.Put(e)
}

// write commits e (synced when it returns), sharing the commit with
// concurrent writes.
func (s *Store) write(e scheduler.AsyncEvent) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(eventsBucket).Put([]byte(e.ID), data)
	})
}

// Take leases due events (in memory).
func (s *Store) Take(now time.Time, max int) ([]scheduler.AsyncEvent, error) {
	return s.mem.Take(now, max)
}

// Done deletes id.
func (s *Store) Done(id string) error {
	if err := s.db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(eventsBucket).Delete([]byte(id)) }); err != nil {
		return err
	}
	return s.mem.Done(id)
}

// Reschedule commits e's new state, then ends its lease.
func (s *Store) Reschedule(e scheduler.AsyncEvent) error {
	if _, ok := s.mem.Event(e.ID); !ok {
		return nil
	}
	if err := s.write(e); err != nil {
		return err
	}
	return s.mem.Reschedule(e)
}

// NextDue is when the earliest event not leased is due.
func (s *Store) NextDue() (time.Time, bool) { return s.mem.NextDue() }

// Stats counts the events.
func (s *Store) Stats() scheduler.QueueStats { return s.mem.Stats() }
