// Package runtimetest drives a runtime client (runtime/python,
// runtime/nodejs) outside a sandbox, as a process of the host's interpreter
// against a fake Runtime API, for both clients' tests.
package runtimetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// WaitLimit bounds every wait for the runtime; a healthy run takes
// milliseconds.
const WaitLimit = 15 * time.Second

// ARN is the function ARN the fake API hands out.
const ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"

// Event is one invocation the fake Runtime API hands out.
type Event struct {
	ID       string
	Body     string
	Deadline time.Time         // zero: 30 s from now
	Headers  map[string]string // extra headers, e.g. Lambda-Runtime-Trace-Id
}

// Post is one POST the runtime made.
type Post struct {
	Path        string
	ErrorType   string // Lambda-Runtime-Function-Error-Type
	ContentType string
	Mode        string // Lambda-Runtime-Function-Response-Mode
	Chunked     bool   // Transfer-Encoding: chunked
	Body        []byte
	Trailer     http.Header // after a chunked body
}

// FakeAPI serves just enough of the Runtime API to drive a runtime client.
type FakeAPI struct {
	Status atomic.Int32 // answer to every POST (202 unless set)
	Conns  atomic.Int32 // connections accepted
	// Streamed holds the bodies of all POSTs, appended as their bytes
	// arrive, before the POST is done: a test sees a streamed response's
	// first chunk while the runtime is still writing.
	Streamed testkit.Buffer

	srv    *httptest.Server
	events chan Event
	posts  chan Post
	quit   chan struct{}
}

// NewFakeAPI serves a fake Runtime API on loopback until the test ends.
func NewFakeAPI(t testing.TB) *FakeAPI {
	t.Helper()
	a := &FakeAPI{
		events: make(chan Event, 64),
		posts:  make(chan Post, 64),
		quit:   make(chan struct{}),
	}
	a.Status.Store(http.StatusAccepted)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.record)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.record)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.record)
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			a.Conns.Add(1)
		}
	}
	a.srv.Start()
	t.Cleanup(func() {
		close(a.quit)
		a.srv.Close()
	})
	return a
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
func (a *FakeAPI) Addr() string { return a.srv.Listener.Addr().String() }

// Enqueue hands evs out to the runtime's next GETs, in order.
func (a *FakeAPI) Enqueue(evs ...Event) {
	for _, ev := range evs {
		a.events <- ev
	}
}

func (a *FakeAPI) next(w http.ResponseWriter, r *http.Request) {
	var ev Event
	select {
	case ev = <-a.events:
	case <-r.Context().Done():
		return
	case <-a.quit:
		return
	}
	if ev.Deadline.IsZero() {
		ev.Deadline = time.Now().Add(30 * time.Second)
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", ev.ID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(ev.Deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", ARN)
	h.Set("Content-Type", "application/json")
	for k, v := range ev.Headers {
		h.Set(k, v)
	}
	io.WriteString(w, ev.Body)
}

func (a *FakeAPI) record(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(&body, &a.Streamed), r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.posts <- Post{
		Path:        r.URL.Path,
		ErrorType:   r.Header.Get("Lambda-Runtime-Function-Error-Type"),
		ContentType: r.Header.Get("Content-Type"),
		Mode:        r.Header.Get("Lambda-Runtime-Function-Response-Mode"),
		Chunked:     len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked",
		Body:        body.Bytes(),
		Trailer:     r.Trailer,
	}
	w.WriteHeader(int(a.Status.Load()))
	io.WriteString(w, `{"status":"OK"}`)
}

// WaitPost returns the runtime's next POST.
func (a *FakeAPI) WaitPost(t testing.TB) Post {
	t.Helper()
	select {
	case p := <-a.posts:
		return p
	case <-time.After(WaitLimit):
		t.Fatalf("no POST from the runtime within %v", WaitLimit)
		return Post{}
	}
}

// Posted returns a POST the runtime made and no one took yet, if any.
func (a *FakeAPI) Posted() (Post, bool) {
	select {
	case p := <-a.posts:
		return p, true
	default:
		return Post{}, false
	}
}

// Interpreter is the host interpreter at path the tests run (env, if set,
// names another); the test is skipped, naming what, without one.
func Interpreter(t testing.TB, env, path, what string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		path = p
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("SKIP: %s needs %s (the host interpreter sandboxes use): %v", what, path, err)
	}
	return path
}

// Proc is a running runtime client.
type Proc struct {
	Stdout, Stderr testkit.Buffer
	done           chan struct{}
	err            error // set before done is closed
}

// Start writes files into a fresh task root and runs args there (the
// interpreter and the client's entry point) with handler as _HANDLER
// against api, in Lambda's environment and env(root)'s variables (env may be
// nil); the process is killed when the test ends, its output logged if the
// test failed.
func Start(t testing.TB, api *FakeAPI, args []string, handler string, files map[string]string, env func(root string) []string) *Proc {
	t.Helper()
	root := t.TempDir()
	for name, src := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = root
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + api.Addr(),
		"_HANDLER=" + handler,
		"LAMBDA_TASK_ROOT=" + root,
		"AWS_LAMBDA_FUNCTION_NAME=fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2025/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_REGION=us-east-1",
		"LANG=C.UTF-8",
	}
	if env != nil {
		cmd.Env = append(cmd.Env, env(root)...)
	}
	p := &Proc{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.Stdout, &p.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("runtime stdout:\n%s\nruntime stderr:\n%s", p.Stdout.String(), p.Stderr.String())
		}
	})
	return p
}

// WaitExit waits for the runtime to exit and returns its exit code.
func (p *Proc) WaitExit(t testing.TB) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(WaitLimit):
		t.Fatalf("runtime still running after %v", WaitLimit)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("wait: %v", p.err)
	}
	return 0
}

// WaitOutput polls until get() contains want.
func WaitOutput(t testing.TB, get func() string, want string) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for !strings.Contains(get(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q; got:\n%s", want, get())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// JSONRecords waits until get() holds n lines and decodes each as a JSON
// object: a runtime's output in Lambda's JSON log format.
func JSONRecords(t testing.TB, get func() string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for strings.Count(get(), "\n") < n {
		if time.Now().After(deadline) {
			t.Fatalf("output never had %d lines; got:\n%s", n, get())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(get(), "\n"), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}
