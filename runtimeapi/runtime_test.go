package runtimeapi

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// listen starts a server on a loopback port, as the daemon serves one in a
// sandbox's network namespace.
func listen(tb testing.TB) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := Serve(ln, Limits{})
	tb.Cleanup(func() { s.Close() })
	return s
}

// addr is where s listens, as AWS_LAMBDA_RUNTIME_API names it (host:port).
func addr(s *Server) string { return s.ln.Addr().String() }

// testRuntime is a runtime client of the server, as a runtime in the
// sandbox speaks to it: plain HTTP/1.1 keep-alive.
type testRuntime struct {
	client *http.Client
	dials  atomic.Int64
}

func newTestRuntime(tb testing.TB, addr string) *testRuntime {
	rt := &testRuntime{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			rt.dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		MaxIdleConnsPerHost: 1,
	}
	tb.Cleanup(tr.CloseIdleConnections)
	rt.client = &http.Client{Transport: tr}
	return rt
}

// next asks for the next invocation.
func (rt *testRuntime) next(ctx context.Context) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://runtime"+nextPath, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := rt.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// post posts body to path and returns the status and answer.
func (rt *testRuntime) post(path string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, "http://runtime"+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := rt.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// echo serves invocations until its GET /next fails: it answers each with
// its payload.
func (rt *testRuntime) echo(ctx context.Context) error {
	for {
		resp, payload, err := rt.next(ctx)
		if err != nil {
			return err
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		if _, _, err := rt.post(responsePath(id), payload, nil); err != nil {
			return err
		}
	}
}
