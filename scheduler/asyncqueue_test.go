package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/internal/testkit"
)

// recordingInvoker answers each function by its script (the last answer
// repeats) and records the requests.
type recordingInvoker struct {
	mu      sync.Mutex
	scripts map[string][]func() (Result, error)
	reqs    []Request
}

func (r *recordingInvoker) Invoke(ctx context.Context, req Request) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, x := range r.reqs {
		if x.Function.Name == req.Function.Name {
			n++
		}
	}
	r.reqs = append(r.reqs, req)
	s := r.scripts[req.Function.Name]
	if len(s) == 0 {
		return ok()
	}
	return s[min(n, len(s)-1)]()
}

func (r *recordingInvoker) calls(name string) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Request
	for _, x := range r.reqs {
		if x.Function.Name == name {
			out = append(out, x)
		}
	}
	return out
}

// asyncTest is a queue on a fake clock whose functions are fns.
type asyncTest struct {
	q     *Queue
	clock *testkit.FakeClock
	inv   *recordingInvoker
	store *MemoryStore
}

func newAsyncTest(t *testing.T, cfg QueueConfig, inv *recordingInvoker, fns ...function.Config) *asyncTest {
	t.Helper()
	a := &asyncTest{clock: testkit.NewFakeClock(), inv: inv, store: cfg.Store.(*MemoryStore)}
	byName := map[string]function.Config{}
	for _, f := range fns {
		byName[f.Name] = f
	}
	cfg.Invoker, cfg.Clock = inv, a.clock
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Resolve = func(name, qualifier string) (function.Config, error) {
		f, ok := byName[name]
		if !ok {
			return function.Config{}, ErrNoFunction
		}
		return f, nil
	}
	a.q = NewQueue(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.q.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return a
}

func (a *asyncTest) enqueue(t *testing.T, name, id, payload string) {
	t.Helper()
	req := Request{Function: function.Config{Name: name}, RequestID: id, Payload: []byte(payload),
		FunctionARN: function.ARN("", "", name, "")}
	if err := a.q.Enqueue(req); err != nil {
		t.Fatalf("enqueue %s: %v", id, err)
	}
}

// drain moves the clock on by step until the queue is empty.
func (a *asyncTest) drain(t *testing.T, step time.Duration) {
	t.Helper()
	testkit.Eventually(t, "the queue to drain", func() bool {
		if a.q.Pending() == 0 {
			return true
		}
		a.clock.Advance(step)
		return false
	})
}

func withEventConfig(f function.Config, e function.EventInvokeConfig) function.Config {
	f.EventInvoke = &e
	return f
}

func intp(n int) *int { return &n }

// A function error is retried MaximumRetryAttempts times (2 without a
// configuration), after RetryDelays; throttles count no retry.
func TestAsyncRetryAttempts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		retries *int
		script  []func() (Result, error)
		runs    int
	}{
		{"default: two retries", nil, []func() (Result, error){failed}, 3},
		{"no retries", intp(0), []func() (Result, error){failed}, 1},
		{"one retry", intp(1), []func() (Result, error){failed}, 2},
		{"throttles are not retries", intp(2), []func() (Result, error){throttled, throttled, failed, throttled, failed, ok}, 6},
		{"success after a retry", intp(2), []func() (Result, error){failed, ok}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &recordingInvoker{scripts: map[string][]func() (Result, error){"f": tc.script}}
			a := newAsyncTest(t, QueueConfig{Store: NewMemoryStore()}, inv,
				withEventConfig(fn("f"), function.EventInvokeConfig{MaximumRetryAttempts: tc.retries}))
			a.enqueue(t, "f", "r1", `{}`)
			a.drain(t, 30*time.Second)
			if got := len(inv.calls("f")); got != tc.runs {
				t.Errorf("%d invocations, want %d", got, tc.runs)
			}
		})
	}
}

// An event older than MaximumEventAgeInSeconds is dropped, and its record
// (EventAgeExceeded, never run) goes to the OnFailure destination.
func TestAsyncMaxEventAge(t *testing.T) {
	dir := t.TempDir()
	inv := &recordingInvoker{scripts: map[string][]func() (Result, error){"f": {throttled}}}
	a := newAsyncTest(t, QueueConfig{Store: NewMemoryStore(), Backoff: time.Second}, inv,
		withEventConfig(fn("f"), function.EventInvokeConfig{MaximumEventAgeInSeconds: intp(60),
			DestinationConfig: &function.DestinationConfig{OnFailure: &function.Destination{Destination: "file://" + dir}}}))
	start := a.clock.Now()
	a.enqueue(t, "f", "r1", `{"k":1}`)
	a.drain(t, 5*time.Second)
	if a.clock.Now().Sub(start) < time.Minute {
		t.Errorf("dropped after %s, before its maximum age", a.clock.Now().Sub(start))
	}
	if n := len(inv.calls("f")); n < 2 {
		t.Errorf("%d tries before the event expired; want throttles tried again", n)
	}
	rec := readRecord(t, dir, derivedID("r1", conditionAgeExceeded))
	if rec.RequestContext.Condition != "EventAgeExceeded" || rec.RequestContext.ApproximateInvokeCount != 0 ||
		string(rec.RequestPayload) != `{"k":1}` || rec.ResponseContext != nil {
		t.Errorf("record = %+v", rec)
	}
}

func readRecord(t *testing.T, dir, id string) InvocationRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec InvocationRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// Success goes to OnSuccess (a directory), retries exhausted to OnFailure
// (a function, invoked asynchronously with the record).
func TestAsyncDestinations(t *testing.T) {
	dir := t.TempDir()
	dests := &function.DestinationConfig{
		OnSuccess: &function.Destination{Destination: "file://" + dir},
		OnFailure: &function.Destination{Destination: "arn:aws:lambda:us-east-1:123456789012:function:sink"},
	}
	good := withEventConfig(fn("good"), function.EventInvokeConfig{DestinationConfig: dests})
	bad := withEventConfig(fn("bad"), function.EventInvokeConfig{MaximumRetryAttempts: intp(1), DestinationConfig: dests})
	inv := &recordingInvoker{scripts: map[string][]func() (Result, error){
		"good": {func() (Result, error) { return Result{Payload: []byte(`{"answer":42}`)}, nil }},
		"bad":  {func() (Result, error) { return Result{ErrorType: "Boom", Payload: []byte(`{"errorType":"Boom"}`)}, nil }},
	}}
	a := newAsyncTest(t, QueueConfig{Store: NewMemoryStore()}, inv, good, bad, fn("sink"))
	a.enqueue(t, "good", "g1", `{"in":1}`)
	a.enqueue(t, "bad", "b1", `not json`)
	a.drain(t, time.Minute)

	rec := readRecord(t, dir, derivedID("g1", conditionSuccess))
	if rec.Version != "1.0" || rec.RequestContext.RequestID != "g1" || rec.RequestContext.Condition != "Success" ||
		rec.RequestContext.FunctionARN != "arn:aws:lambda:us-east-1:123456789012:function:good:$LATEST" ||
		rec.RequestContext.ApproximateInvokeCount != 1 || string(rec.RequestPayload) != `{"in":1}` ||
		rec.ResponseContext == nil || rec.ResponseContext.StatusCode != 200 || rec.ResponseContext.ExecutedVersion != "$LATEST" ||
		rec.ResponsePayload == nil || string(*rec.ResponsePayload) != `{"answer":42}` {
		t.Errorf("success record = %+v", rec)
	}
	if _, err := time.Parse(time.RFC3339Nano, rec.Timestamp); err != nil {
		t.Errorf("timestamp %q: %v", rec.Timestamp, err)
	}

	sink := inv.calls("sink")
	if len(sink) != 1 {
		t.Fatalf("the OnFailure function ran %d times, want once", len(sink))
	}
	if err := json.Unmarshal(sink[0].Payload, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 2 ||
		string(rec.RequestPayload) != `"not json"` || rec.ResponseContext.FunctionError != "Unhandled" ||
		string(*rec.ResponsePayload) != `{"errorType":"Boom"}` {
		t.Errorf("failure record = %s", sink[0].Payload)
	}
	if sink[0].RequestID != derivedID("b1", conditionRetriesExhausted) {
		t.Errorf("the record's event id %s is not derived from the event's", sink[0].RequestID)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the destination directory, want the one record (no temporary file left)", len(entries))
	}
}

// Capacity bounds the events held; a destination's record counts too.
func TestAsyncCapacity(t *testing.T) {
	inv := &recordingInvoker{}
	q := NewQueue(QueueConfig{Invoker: inv, Capacity: 2, Store: NewMemoryStore()})
	for i, want := range []error{nil, nil, ErrQueueFull} {
		if err := q.Enqueue(Request{Function: fn("f"), RequestID: string(rune('a' + i))}); err != want {
			t.Errorf("enqueue %d: %v, want %v", i, err, want)
		}
	}
	if st := q.Stats(); st.Depth != 2 || st.Oldest.IsZero() {
		t.Errorf("Stats = %+v, want 2 events", st)
	}
}

// Events a store holds at the start run, and count against the bounds.
func TestAsyncEventsFromTheStore(t *testing.T) {
	store := NewMemoryStore()
	c := testkit.NewFakeClock()
	for _, id := range []string{"x1", "x2", "x3"} {
		store.Put(AsyncEvent{ID: id, Function: "f", Enqueued: c.Now(), Due: c.Now()})
	}
	store.Take(c.Now(), 1) // leased by the run that crashed: leases are memory only, so put it back
	store.Reschedule(AsyncEvent{ID: "x1", Function: "f", Enqueued: c.Now(), Due: c.Now()})
	inv := &recordingInvoker{}
	a := newAsyncTest(t, QueueConfig{Store: store, Capacity: 4}, inv, fn("f"))
	a.drain(t, time.Second)
	if got := len(inv.calls("f")); got != 3 {
		t.Errorf("%d events ran, want the store's 3", got)
	}
	if st := store.Stats(); st.Depth != 0 || st.Bytes != 0 {
		t.Errorf("store after the run: %+v", st)
	}
}

// An event whose function is gone is dropped.
func TestAsyncFunctionGone(t *testing.T) {
	inv := &recordingInvoker{}
	a := newAsyncTest(t, QueueConfig{Store: NewMemoryStore()}, inv)
	a.enqueue(t, "gone", "r1", `{}`)
	a.drain(t, time.Second)
	if len(inv.calls("gone")) != 0 {
		t.Error("an event of a function that is gone ran")
	}
}

// The memory store leases due events earliest first, never twice, and
// gives them back by Reschedule; Put of a known id replaces it.
func TestMemoryStoreOrder(t *testing.T) {
	m := NewMemoryStore()
	t0 := time.Unix(1_800_000_000, 0)
	for i, id := range []string{"c", "a", "b", "late"} {
		due := t0.Add(time.Duration(3-i) * time.Second)
		if id == "late" {
			due = t0.Add(time.Hour)
		}
		m.Put(AsyncEvent{ID: id, Enqueued: t0, Due: due, Payload: []byte("x")})
	}
	got, _ := m.Take(t0.Add(time.Minute), 2)
	if len(got) != 2 || got[0].ID != "b" || got[1].ID != "a" {
		t.Fatalf("Take = %v, want b then a", got)
	}
	if next, ok := m.NextDue(); !ok || !next.Equal(t0.Add(3*time.Second)) {
		t.Errorf("NextDue = %v %v, want c's", next, ok)
	}
	got[0].Due, got[0].Attempts = t0.Add(2*time.Hour), 1
	m.Reschedule(got[0])
	m.Done("a")
	m.Put(AsyncEvent{ID: "c", Enqueued: t0, Due: t0, Payload: []byte("xyz")})
	rest, _ := m.Take(t0.Add(3*time.Hour), 10)
	var ids []string
	for _, e := range rest {
		ids = append(ids, e.ID)
	}
	if fmt.Sprint(ids) != "[c late b]" || rest[2].Attempts != 1 {
		t.Errorf("Take after the changes = %v", rest)
	}
	if st := m.Stats(); st.Depth != 3 || st.Bytes != (AsyncEvent{Payload: []byte("xyz")}).Bytes()+2*(AsyncEvent{Payload: []byte("x")}).Bytes() {
		t.Errorf("Stats = %+v", st)
	}
	if more, _ := m.Take(t0.Add(3*time.Hour), 10); len(more) != 0 {
		t.Errorf("leased events taken again: %v", more)
	}
}

// BenchmarkMemoryStoreBacklog takes and finishes events from a backlog of
// 100000, one at a time, as the dispatcher does.
func BenchmarkMemoryStoreBacklog(b *testing.B) {
	m := NewMemoryStore()
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 100000 {
		m.Put(AsyncEvent{ID: fmt.Sprint(i), Enqueued: t0, Due: t0})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, _ := m.Take(t0, 1)
		if len(got) == 0 {
			b.StopTimer()
			for j := range 100000 {
				m.Put(AsyncEvent{ID: fmt.Sprint(j), Enqueued: t0, Due: t0})
			}
			b.StartTimer()
			continue
		}
		m.NextDue()
		m.Done(got[0].ID)
	}
}
