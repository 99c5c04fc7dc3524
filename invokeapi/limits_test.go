package invokeapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/scheduler"
)

// serveLimited serves the API with lim on a loopback port, as the daemon
// does; it returns the API (to read its counters) and the address.
func serveLimited(t *testing.T, inv Invoker, lim Limits) (*api, string) {
	t.Helper()
	cfg := Config{Functions: fakeFunctions(map[string]error{"hello": nil}), Invoker: inv, Queue: &fakeQueue{}, Limits: lim}
	srv := NewServer(cfg)
	a := newAPI(cfg)
	srv.Handler = a.handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return a, ln.Addr().String()
}

// endedByServer tells whether the server ended c (closed it, or answered
// and closed it) rather than waiting: the deadline only keeps a server that
// waits forever from hanging the test.
func endedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testkit.EventuallyTimeout))
	_, err := io.ReadAll(c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Clients that send their headers, their body, or their next request too
// slowly are cut off.
func TestSlowClientsAreCutOff(t *testing.T) {
	const d = 50 * time.Millisecond
	_, addr := serveLimited(t, &fakeInvoker{res: scheduler.Result{Payload: []byte(`{}`)}},
		Limits{ReadHeaderTimeout: d, BodyTimeout: d, IdleTimeout: d})

	c := dial(t, addr)
	io.WriteString(c, "POST /invoke/hello HTTP/1.1\r\nHost: x\r\n")
	if !endedByServer(t, c) {
		t.Error("a client that stopped in its headers was kept")
	}

	c = dial(t, addr)
	io.WriteString(c, "POST /invoke/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
	if !endedByServer(t, c) {
		t.Error("a client that stopped in its body was kept")
	}

	c = dial(t, addr)
	io.WriteString(c, "POST /invoke/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a whole request: %v %v", resp, err)
	}
	resp.Body.Close()
	if !endedByServer(t, c) {
		t.Error("an idle keep-alive connection was kept")
	}
}

// Headers beyond MaxHeaderBytes are refused.
func TestLargeHeadersRefused(t *testing.T) {
	_, addr := serveLimited(t, &fakeInvoker{}, Limits{MaxHeaderBytes: 1 << 10})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/invoke/hello", strings.NewReader("{}"))
	req.Header.Set("X-Big", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KB of headers: %d, want 431", resp.StatusCode)
	}
}

// The body's deadline ends with the body: a sync invoke that runs longer
// than BodyTimeout is not cancelled.
func TestBodyTimeoutSparesLongInvokes(t *testing.T) {
	const d = 50 * time.Millisecond
	inv := invokerFunc(func(ctx context.Context, req scheduler.Request) (scheduler.Result, error) {
		select {
		case <-ctx.Done():
			return scheduler.Result{}, ctx.Err()
		case <-time.After(4 * d):
			return scheduler.Result{Payload: []byte(`"done"`)}, nil
		}
	})
	_, addr := serveLimited(t, inv, Limits{BodyTimeout: d})
	resp, err := http.Post("http://"+addr+"/invoke/hello", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != `"done"` {
		t.Errorf("an invoke longer than BodyTimeout: %d %s", resp.StatusCode, body)
	}
}

type invokerFunc func(ctx context.Context, req scheduler.Request) (scheduler.Result, error)

func (f invokerFunc) Invoke(ctx context.Context, req scheduler.Request) (scheduler.Result, error) {
	return f(ctx, req)
}

// heldInvoker holds every invocation until release, counting those it holds.
type heldInvoker struct {
	release  chan struct{}
	mu       sync.Mutex
	holding  int
	released bool
}

func (h *heldInvoker) Invoke(ctx context.Context, req scheduler.Request) (scheduler.Result, error) {
	h.mu.Lock()
	h.holding++
	h.mu.Unlock()
	<-h.release
	return scheduler.Result{Payload: []byte(`{}`)}, nil
}

// releaseOnce returns the channel to close to release the invocations, or
// a fresh one once it was: closing twice is harmless.
func (h *heldInvoker) releaseOnce() chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := h.release
	if h.released {
		return make(chan struct{})
	}
	h.released = true
	return ch
}

func (h *heldInvoker) held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.holding
}

// bigBody is a JSON string of n bytes.
func bigBody(n int) []byte {
	b := bytes.Repeat([]byte("x"), n)
	b[0], b[n-1] = '"', '"'
	return b
}

// chunked hides a body's length, so that it is sent chunked.
type chunked struct{ io.Reader }

// Many big bodies at once: those beyond MaxInflightBytes are refused with
// 429 TooManyRequestsException, by Content-Length before they are read or,
// chunked, as they arrive; the bytes held never pass the bound, and are
// all given back.
func TestInflightBytesBound(t *testing.T) {
	const mb = 1 << 20
	inv := &heldInvoker{release: make(chan struct{})}
	a, addr := serveLimited(t, inv, Limits{MaxInflightBytes: 4 * mb})
	url := "http://" + addr + "/invoke/hello"

	statuses := make(chan int, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			resp, err := http.Post(url, "application/json", bytes.NewReader(bigBody(mb)))
			if err != nil {
				t.Error(err)
				statuses <- 0
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				checkTooMany(t, resp, body)
			}
			statuses <- resp.StatusCode
		})
	}
	// Four fit and are held by the invoker; the six others are refused.
	defer func() { close(inv.releaseOnce()); wg.Wait() }()
	for range 6 {
		select {
		case st := <-statuses:
			if st != http.StatusTooManyRequests {
				t.Fatalf("a body beyond the bound: %d, want 429", st)
			}
		case <-time.After(testkit.EventuallyTimeout):
			t.Fatalf("no 429 within %s: %d invokes held", testkit.EventuallyTimeout, inv.held())
		}
	}
	testkit.Eventually(t, "four invokes held", func() bool { return inv.held() == 4 })
	if held := a.inflight.Held(); held != 4*mb {
		t.Errorf("%d bytes held with four 1 MB invokes running, want %d", held, 4*mb)
	}
	// The bound is full: a chunked body is refused as it arrives.
	resp, err := http.Post(url, "application/json", chunked{bytes.NewReader(bigBody(mb))})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || a.inflight.Held() != 4*mb {
		t.Errorf("a chunked body beyond the bound: %d, %d bytes held", resp.StatusCode, a.inflight.Held())
	}
	close(inv.releaseOnce())
	wg.Wait()
	for range 4 {
		if st := <-statuses; st != http.StatusOK {
			t.Errorf("an invoke within the bound: %d", st)
		}
	}
	if held := a.inflight.Held(); held != 0 {
		t.Errorf("%d bytes still held after every request ended", held)
	}
	// Within the bound again, chunked or not.
	for _, body := range []io.Reader{bytes.NewReader(bigBody(mb)), chunked{bytes.NewReader(bigBody(3 * mb))}} {
		resp, err := http.Post(url, "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("a body within the bound: %d", resp.StatusCode)
		}
	}
}

// checkTooMany checks a 429 has Lambda's shape.
func checkTooMany(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	var doc map[string]string
	if err := json.Unmarshal(body, &doc); err != nil || resp.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" ||
		doc["Type"] != "User" || !strings.Contains(doc["message"], "--max-inflight-bytes") {
		t.Errorf("429: %v %s", resp.Header, body)
	}
}

// aws-sdk-go-v2 and the aws CLI read the refusal as TooManyRequestsException.
func TestInflightRefusalAsClientsSeeIt(t *testing.T) {
	_, addr := serveLimited(t, &fakeInvoker{res: scheduler.Result{Payload: []byte(`{}`)}}, Limits{MaxInflightBytes: 1000})
	payload := bigBody(2000)

	client := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), RetryMaxAttempts: 1})
	_, err := client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("hello"), Payload: payload})
	var tooMany *types.TooManyRequestsException
	if !errors.As(err, &tooMany) || !strings.Contains(tooMany.ErrorMessage(), "--max-inflight-bytes") {
		t.Errorf("aws-sdk-go-v2: %v, want TooManyRequestsException", err)
	}

	const cli = "/usr/bin/aws" // v2, Debian's package
	if _, err := os.Stat(cli); err != nil {
		t.Skip("no aws CLI at /usr/bin/aws: only aws-sdk-go-v2 checked")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "payload.json")
	if err := os.WriteFile(in, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cli, "lambda", "invoke", "--endpoint-url", "http://"+addr, "--function-name", "hello",
		"--cli-binary-format", "raw-in-base64-out", "--payload", "fileb://"+in, filepath.Join(dir, "out.json"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x",
		"AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none")}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "(TooManyRequestsException)") {
		t.Errorf("aws CLI: %v\n%s", err, out)
	}
}
