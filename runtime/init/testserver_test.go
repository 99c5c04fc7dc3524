package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// startRelay runs a relay to socket on a free loopback port and returns its
// address.
func startRelay(tb testing.TB, socket string) string {
	tb.Helper()
	ln, err := listenTCP("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	r := &relay{socket: &net.UnixAddr{Name: socket, Net: "unix"}}
	go r.serve(ln)
	return ln.Addr().String()
}

// unixServer is an HTTP server on a unix socket, standing in for the
// daemon's Runtime API.
type unixServer struct {
	path  string
	conns atomic.Int64 // connections accepted
}

func startUnixServer(tb testing.TB, path string, h http.Handler) *unixServer {
	tb.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		tb.Fatal(err)
	}
	us := &unixServer{path: path}
	srv := &http.Server{
		Handler: h,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				us.conns.Add(1)
			}
		},
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return us
}

// echo answers every request with its own body; GET /big?n=N answers with N
// bytes of a fixed pattern instead.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/big" {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Write(pattern(n))
		return
	}
	// HTTP/1 handlers must read the whole body before they answer.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Write(body)
})

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>11)
	}
	return b
}

func newClient(tb testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func do(t *testing.T, c *http.Client, method, url string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d", method, url, resp.StatusCode)
	}
	return got
}
