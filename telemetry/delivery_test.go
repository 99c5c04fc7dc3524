package telemetry

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// lines logs n numbered lines of the function, each padded to size bytes.
func lines(h *Hub, from, n, size int) {
	for i := from; i < from+n; i++ {
		l := fmt.Sprintf("line %06d ", i)
		if size > len(l) {
			l += strings.Repeat("x", size-len(l))
		}
		h.Log(time.Now(), Function, []byte(l))
	}
}

// checkLines checks that the function records are lines 0…n-1 in order.
func checkLines(t *testing.T, evs []event, n int) {
	t.Helper()
	fn := ofType(evs, typeFunction)
	if len(fn) != n {
		t.Fatalf("got %d function records, want %d", len(fn), n)
	}
	for i, e := range fn {
		var s string
		if err := json.Unmarshal(e.Record, &s); err != nil || !strings.HasPrefix(s, fmt.Sprintf("line %06d ", i)) {
			t.Fatalf("record %d is %s", i, e.Record)
		}
	}
}

func TestBatchByItems(t *testing.T) {
	r := newReceiver(t)
	h, _ := newHub(t, r.addr())
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, `{"maxItems":1000,"timeoutMs":30000}`, httpDest))
	lines(h, 0, 2500, 10)
	testkit.Eventually(t, "two full batches", func() bool { return len(r.batchSizes()) == 2 })
	if got := r.batchSizes(); got[0] != 1000 || got[1] != 1000 {
		t.Fatalf("batches %v, want [1000 1000]", got)
	}
	flush(t, h)
	if got := r.batchSizes(); len(got) != 3 || got[2] != 500 {
		t.Fatalf("batches after flush %v, want [1000 1000 500]", got)
	}
	checkLines(t, decode(t, r.records()), 2500)
}

func TestBatchByBytes(t *testing.T) {
	r := newReceiver(t)
	h, _ := newHub(t, r.addr())
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, `{"maxItems":10000,"maxBytes":262144,"timeoutMs":30000}`, httpDest))
	lines(h, 0, 600, 1000)
	testkit.Eventually(t, "two batches by size", func() bool { return len(r.batchSizes()) >= 2 })
	flush(t, h)
	r.mu.Lock()
	for i, b := range r.batches {
		size := 0
		for _, rec := range b {
			size += len(rec)
		}
		if size > 262144 {
			t.Errorf("batch %d holds %d bytes of records, over maxBytes", i, size)
		}
	}
	r.mu.Unlock()
	checkLines(t, decode(t, r.records()), 600)
}

func TestBatchByTimeout(t *testing.T) {
	r := newReceiver(t)
	h, _ := newHub(t, r.addr())
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, `{"timeoutMs":25}`, httpDest))
	lines(h, 0, 3, 10)
	testkit.Eventually(t, "the lines, without a flush", func() bool { return len(r.records()) == 3 })
	checkLines(t, decode(t, r.records()), 3)
}

func TestHTTPRequest(t *testing.T) {
	r := newReceiver(t)
	h, d := newHub(t, r.addr())
	mustSubscribe(t, h, Logs, "ext", sub("2020-08-15", `"function"`, "", `{"protocol":"HTTP","URI":"http://sandbox:8080/lambda_logs","method":"PUT"}`))
	lines(h, 0, 1, 10)
	flush(t, h)
	lines(h, 1, 1, 10)
	flush(t, h)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.batches) != 2 || r.methods[0] != "PUT" || r.paths[0] != "/lambda_logs" || r.types[0] != "application/json" {
		t.Fatalf("requests: %d %v %v %v", len(r.batches), r.methods, r.paths, r.types)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.dialed) != 1 || d.dialed[0] != "tcp 127.0.0.1:8080" {
		t.Fatalf("dialled %v, want one connection to tcp 127.0.0.1:8080, kept alive", d.dialed)
	}
}

// TestTypesAndSchemas: each subscriber gets the types it asked for, in its
// schema's shape.
func TestTypesAndSchemas(t *testing.T) {
	platform, function, old := newReceiver(t), newReceiver(t), newReceiver(t)
	h, d := newHub(t, "127.0.0.1:1")
	d.routes = map[string]string{"127.0.0.1:1001": platform.addr(), "127.0.0.1:1002": function.addr(), "127.0.0.1:1003": old.addr()}
	mustSubscribe(t, h, Telemetry, "p", sub("2022-12-13", `"platform"`, slowFlush, `{"protocol":"HTTP","URI":"http://sandbox:1001"}`))
	mustSubscribe(t, h, Telemetry, "f", sub("2022-12-13", `"function","function"`, slowFlush, `{"protocol":"HTTP","URI":"http://sandbox:1002"}`))
	mustSubscribe(t, h, Telemetry, "o", sub("2022-07-01", `"function","extension"`, slowFlush, `{"protocol":"HTTP","URI":"http://sandbox:1003"}`))
	emitAll(h)
	flush(t, h)

	var types []string
	for _, e := range decode(t, platform.records()) {
		types = append(types, e.Type)
	}
	want := "platform.telemetrySubscription platform.telemetrySubscription platform.telemetrySubscription platform.initStart platform.initRuntimeDone platform.initReport platform.start platform.runtimeDone platform.report platform.extension"
	if strings.Join(types, " ") != want {
		t.Errorf("platform subscriber got %v", types)
	}
	fn := decode(t, function.records())
	if len(fn) != 2 || fn[0].Type != typeFunction || fn[1].Record[0] != '{' {
		t.Errorf("function subscriber got %v", fn)
	}
	o := decode(t, old.records())
	if len(o) != 3 || o[1].Type != typeFunction || o[1].Record[0] != '"' || o[2].Type != typeExtensionLog {
		t.Errorf("2022-07-01 subscriber got %v (a JSON line must stay a string)", o)
	}
}

func TestTCPDestination(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var got []string
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			mu.Lock()
			got = append(got, sc.Text())
			mu.Unlock()
		}
	}()
	h, d := newHub(t, ln.Addr().String())
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function","extension"`, slowFlush, `{"protocol":"TCP","port":4243}`))
	lines(h, 0, 5, 10)
	h.Log(time.Now(), Extension, []byte(`{"multi": [1,`+"\n"+`2]}`))
	flush(t, h)
	testkit.Eventually(t, "six NDJSON lines", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 6
	})
	mu.Lock()
	var raw []json.RawMessage
	for _, l := range got {
		raw = append(raw, json.RawMessage(l))
	}
	mu.Unlock()
	evs := decode(t, raw)
	checkLines(t, evs, 5)
	if string(evs[5].Record) != `{"multi":[1,2]}` {
		t.Errorf("a JSON line's record is %s, want it compacted onto one line", evs[5].Record)
	}
	if d.dialed[0] != "tcp 127.0.0.1:4243" {
		t.Errorf("dialled %v", d.dialed)
	}
}

// TestDeadSubscriber: an extension that does not listen never holds up the
// sandbox's output; once it listens, platform.logsDropped tells it what it
// lost, and every line is either delivered or counted.
func TestDeadSubscriber(t *testing.T) {
	r := newReceiver(t)
	h, d := newHub(t, r.addr())
	d.dead.Store(true)
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, `{"maxItems":1000,"timeoutMs":25}`, httpDest))
	const n = 30000
	lines(h, 0, n, 20) // returns: the buffer drops what does not fit
	d.dead.Store(false)
	flush(t, h)
	lines(h, n, 1, 20)
	flush(t, h)
	var delivered, dropped int
	testkit.Eventually(t, "every line delivered or reported dropped", func() bool {
		delivered, dropped = 0, 0
		for _, e := range decode(t, r.records()) {
			switch e.Type {
			case typeFunction:
				delivered++
			case typeLogsDropped:
				var rec logsDroppedRecord
				if err := json.Unmarshal(e.Record, &rec); err != nil || rec.Reason == "" || rec.DroppedBytes <= 0 {
					t.Fatalf("logsDropped record %s", e.Record)
				}
				dropped += rec.DroppedRecords
			}
		}
		return delivered+dropped == n+1
	})
	if dropped == 0 {
		t.Fatal("no platform.logsDropped")
	}
	fn := ofType(decode(t, r.records()), typeFunction)
	var last string
	json.Unmarshal(fn[len(fn)-1].Record, &last)
	if !strings.HasPrefix(last, fmt.Sprintf("line %06d ", n)) {
		t.Errorf("the line after the extension came back is not last: %q", last)
	}
}

// TestFlushFailing: Flush returns once a delivery that fails has exhausted
// its retries, and ends with ctx.
func TestFlushFailing(t *testing.T) {
	h, d := newHub(t, "127.0.0.1:1")
	d.dead.Store(true)
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, slowFlush, httpDest))
	lines(h, 0, 1, 10)
	flush(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lines(h, 1, 1, 10)
	if err := h.Flush(ctx); err != context.Canceled {
		t.Fatalf("Flush with an ended ctx: %v", err)
	}
}

// TestSubscribeAgain: a second subscription replaces the first; what the
// first held still goes to its destination.
func TestSubscribeAgain(t *testing.T) {
	a, b := newReceiver(t), newReceiver(t)
	h, d := newHub(t, "127.0.0.1:1")
	d.routes = map[string]string{"127.0.0.1:1001": a.addr(), "127.0.0.1:1002": b.addr()}
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, slowFlush, `{"protocol":"HTTP","URI":"http://sandbox:1001"}`))
	lines(h, 0, 1, 10)
	mustSubscribe(t, h, Telemetry, "ext", sub("2022-12-13", `"function"`, slowFlush, `{"protocol":"HTTP","URI":"http://sandbox:1002"}`))
	lines(h, 1, 1, 10)
	flush(t, h)
	testkit.Eventually(t, "the first subscription's line", func() bool { return len(a.records()) == 1 })
	if got := b.records(); len(got) != 1 || !strings.Contains(string(got[0]), "line 000001") {
		t.Fatalf("second destination got %s", got)
	}
}

// TestClose: Close ends a delivery in flight, leaves no goroutine, and
// nothing is delivered after it.
func TestClose(t *testing.T) {
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body, so the server watches the connection and sees the
		// Hub give up on it.
		io.ReadAll(r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(release) })
	r := newReceiver(t)
	baseline := runtime.NumGoroutine()

	h, d := newHub(t, r.addr())
	d.routes = map[string]string{"127.0.0.1:1002": hanging.Listener.Addr().String()}
	mustSubscribe(t, h, Telemetry, "ok", sub("2022-12-13", `"function"`, `{"timeoutMs":25}`, httpDest))
	mustSubscribe(t, h, Telemetry, "hangs", sub("2022-12-13", `"function"`, `{"timeoutMs":25}`, `{"protocol":"HTTP","URI":"http://sandbox:1002"}`))
	mustSubscribe(t, h, Logs, "tcp", sub("2020-08-15", `"function"`, `{"timeoutMs":25}`, `{"protocol":"TCP","port":1003}`))
	lines(h, 0, 10, 10)
	testkit.Eventually(t, "delivery", func() bool { return len(r.records()) == 10 })
	h.Close()
	h.Close()
	if h.Subscribed() {
		t.Error("Subscribed after Close")
	}
	lines(h, 10, 10, 10)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := h.Flush(ctx); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
	if n := len(r.records()); n != 10 {
		t.Errorf("%d records delivered after Close", n-10)
	}
	deadline := time.Now().Add(testkit.EventuallyTimeout)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before the Hub:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
