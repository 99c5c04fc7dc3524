package asyncq

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lambdad/lambdad/scheduler"
	bolt "go.etcd.io/bbolt"
)

// helperEnv makes the test binary the helper that enqueues until killed.
const helperEnv = "ASYNCQ_TEST_ENQUEUE_INTO"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		enqueueForever(path)
		return
	}
	os.Exit(m.Run())
}

// enqueueForever puts events from 4 goroutines, printing each id once Put
// returned: the events acknowledged (an Event invoke's 202).
func enqueueForever(path string) {
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := s.Put(event(id, time.Now())); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintln(out, id)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func event(id string, t time.Time) scheduler.AsyncEvent {
	return scheduler.AsyncEvent{ID: id, Function: "f", FunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:f",
		Payload: []byte(`{"id":"` + id + `"}`), Enqueued: t, Due: t}
}

// What was put and not done is there after a reopen, rescheduled events
// with their counts, and none leased.
func TestPersistAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "async", "queue.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0).UTC()
	for _, id := range []string{"a", "b", "c"} {
		if err := s.Put(event(id, now)); err != nil {
			t.Fatal(err)
		}
	}
	taken, err := s.Take(now, 3)
	if err != nil || len(taken) != 3 {
		t.Fatalf("Take = %d events, %v", len(taken), err)
	}
	if err := s.Done("a"); err != nil {
		t.Fatal(err)
	}
	var b scheduler.AsyncEvent
	for _, e := range taken {
		if e.ID == "b" {
			b = e
		}
	}
	b.Due, b.Attempts, b.Runs = now.Add(time.Minute), 1, 1
	if err := s.Reschedule(b); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st := s.Stats(); st.Depth != 2 || !st.Oldest.Equal(now) {
		t.Errorf("Stats after reopen = %+v, want b and c", st)
	}
	due, _ := s.Take(now, 10)
	if len(due) != 1 || due[0].ID != "c" {
		t.Fatalf("due at once after reopen: %v, want c (leased before: leases are not kept)", due)
	}
	due, _ = s.Take(now.Add(time.Minute), 10)
	if len(due) != 1 || due[0].ID != "b" || due[0].Attempts != 1 || due[0].Runs != 1 || string(due[0].Payload) != `{"id":"b"}` {
		t.Errorf("b after reopen = %+v", due)
	}
}

func TestOpenRefusesAnotherFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(schemaKey, []byte("9")) })
	db.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), `"9"`) {
		t.Errorf("Open of format 9: %v, want it refused", err)
	}
}

// A process killed with SIGKILL while it puts events loses none it
// acknowledged: every id it printed after Put returned is in the file.
func TestKilledMidWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "queue.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		acked[sc.Text()] = true
		if len(acked) == 300 { // mid-stream: the helper is still putting
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the helper ended by itself (%v) before it was killed", err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer s.Close()
	events, _ := s.Take(time.Now().Add(time.Hour), 1<<20)
	have := map[string]bool{}
	for _, e := range events {
		have[e.ID] = true
		if string(e.Payload) != `{"id":"`+e.ID+`"}` {
			t.Errorf("event %s has payload %q", e.ID, e.Payload)
		}
	}
	for id := range acked {
		if !have[id] {
			t.Errorf("event %s was acknowledged and is lost", id)
		}
	}
	t.Logf("%d events acknowledged before the kill, %d in the file", len(acked), len(have))
}
