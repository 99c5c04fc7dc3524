package nodejs

import (
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

// waitLimit bounds every wait for the runtime; a healthy run takes milliseconds.
const waitLimit = 15 * time.Second

const testARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"

// event is one invocation the fake Runtime API hands out.
type event struct {
	id       string
	body     string
	deadline time.Time         // zero: 30 s from now
	headers  map[string]string // extra headers, e.g. Lambda-Runtime-Trace-Id
}

// post is one POST the runtime made.
type post struct {
	path      string
	errorType string // Lambda-Runtime-Function-Error-Type
	body      []byte
}

// fakeAPI serves just enough of the Runtime API to drive a runtime client.
type fakeAPI struct {
	srv    *httptest.Server
	events chan event
	posts  chan post
	status atomic.Int32 // answer to every POST
	conns  atomic.Int32 // connections accepted
	quit   chan struct{}
}

func newFakeAPI(t testing.TB) *fakeAPI {
	t.Helper()
	a := &fakeAPI{
		events: make(chan event, 64),
		posts:  make(chan post, 64),
		quit:   make(chan struct{}),
	}
	a.status.Store(http.StatusAccepted)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.record)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.record)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.record)
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			a.conns.Add(1)
		}
	}
	a.srv.Start()
	t.Cleanup(func() {
		close(a.quit)
		a.srv.Close()
	})
	return a
}

// addr is the value for AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
func (a *fakeAPI) addr() string { return a.srv.Listener.Addr().String() }

func (a *fakeAPI) enqueue(evs ...event) {
	for _, ev := range evs {
		a.events <- ev
	}
}

func (a *fakeAPI) next(w http.ResponseWriter, r *http.Request) {
	var ev event
	select {
	case ev = <-a.events:
	case <-r.Context().Done():
		return
	case <-a.quit:
		return
	}
	if ev.deadline.IsZero() {
		ev.deadline = time.Now().Add(30 * time.Second)
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", ev.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(ev.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", testARN)
	h.Set("Content-Type", "application/json")
	for k, v := range ev.headers {
		h.Set(k, v)
	}
	io.WriteString(w, ev.body)
}

func (a *fakeAPI) record(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.posts <- post{
		path:      r.URL.Path,
		errorType: r.Header.Get("Lambda-Runtime-Function-Error-Type"),
		body:      body,
	}
	w.WriteHeader(int(a.status.Load()))
	io.WriteString(w, `{"status":"OK"}`)
}

// waitPost returns the runtime's next POST.
func (a *fakeAPI) waitPost(t testing.TB) post {
	t.Helper()
	select {
	case p := <-a.posts:
		return p
	case <-time.After(waitLimit):
		t.Fatalf("no POST from the runtime within %v", waitLimit)
		return post{}
	}
}

// proc is a running runtime client.
type proc struct {
	stdout, stderr testkit.Buffer
	done           chan struct{}
	err            error // set before done is closed
}

// node is the interpreter the tests run, the host's unless LAMBDAD_NODE
// names another.
func node(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("LAMBDAD_NODE"); p != "" {
		return p
	}
	const p = "/usr/bin/node"
	if _, err := os.Stat(p); err != nil {
		t.Skipf("SKIP: the Node.js runtime client needs %s (the host interpreter sandboxes use): %v", p, err)
	}
	return p
}

// startRuntime writes files into a fresh task root and starts index.mjs
// there with handler as _HANDLER, against api.
func startRuntime(t testing.TB, api *fakeAPI, handler string, files map[string]string) *proc {
	t.Helper()
	interp := node(t)
	index, err := filepath.Abs("index.mjs")
	if err != nil {
		t.Fatal(err)
	}
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
	cmd := exec.Command(interp, index)
	cmd.Dir = root
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + api.addr(),
		"_HANDLER=" + handler,
		"LAMBDA_TASK_ROOT=" + root,
		"AWS_LAMBDA_FUNCTION_NAME=fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2025/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
		"AWS_REGION=us-east-1",
		"NODE_PATH=" + filepath.Join(root, "layer", "node_modules") + ":" + root,
		"LANG=C.UTF-8",
	}
	p := &proc{done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
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
			t.Logf("runtime stdout:\n%s\nruntime stderr:\n%s", p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

// waitExit waits for the runtime to exit and returns its exit code.
func (p *proc) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(waitLimit):
		t.Fatalf("runtime still running after %v", waitLimit)
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

// waitOutput polls until get() contains want.
func waitOutput(t *testing.T, get func() string, want string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(get(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q; got:\n%s", want, get())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
