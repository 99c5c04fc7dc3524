package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestRelayKeepAlive(t *testing.T) {
	srv := startUnixServer(t, filepath.Join(t.TempDir(), "rt.sock"), echo)
	addr := startRelay(t, srv.path)
	c := newClient(t)

	for i := range 10 {
		reused := false
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
		body := []byte(fmt.Sprintf("request %d", i))
		req, _ := http.NewRequest("POST", "http://"+addr+"/echo", bytes.NewReader(body))
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("request %d: got %q, %v; want %q", i, got, err, body)
		}
		if i > 0 && !reused {
			t.Errorf("request %d: client connection not reused", i)
		}
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("server accepted %d connections for 10 keep-alive requests, want 1", n)
	}
}

func TestRelayLargeBodies(t *testing.T) {
	srv := startUnixServer(t, filepath.Join(t.TempDir(), "rt.sock"), echo)
	addr := startRelay(t, srv.path)
	c := newClient(t)

	const size = 6<<20 + 100 // the Runtime API's payload limit
	up := make([]byte, size)
	rand.Read(up)
	if got := do(t, c, "POST", "http://"+addr+"/echo", up); !bytes.Equal(got, up) {
		t.Errorf("POST %d bytes: echoed %d bytes, not the same", len(up), len(got))
	}
	if got := do(t, c, "GET", "http://"+addr+"/big?n="+strconv.Itoa(size), nil); !bytes.Equal(got, pattern(size)) {
		t.Errorf("GET %d bytes: got %d bytes, not the same", size, len(got))
	}
}

func TestRelayConcurrent(t *testing.T) {
	srv := startUnixServer(t, filepath.Join(t.TempDir(), "rt.sock"), echo)
	addr := startRelay(t, srv.path)
	c := newClient(t)

	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				body := bytes.Repeat([]byte{byte(g)}, 1000*g+i)
				if got := do(t, c, "POST", "http://"+addr+"/echo", body); !bytes.Equal(got, body) {
					t.Errorf("goroutine %d request %d: body changed", g, i)
				}
			}
		})
	}
	wg.Wait()
	if n := srv.conns.Load(); n < 2 {
		t.Errorf("server accepted %d connections, want several", n)
	}
}

// TestRelayHalfClose checks that the end of each direction is passed on
// while the other direction still works.
func TestRelayHalfClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c) // until the client's CloseWrite
		fmt.Fprintf(c, "got %d bytes", n)
	}()
	addr := startRelay(t, path)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c) // until the server's close
	if want := fmt.Sprintf("got %d bytes", 1<<20); err != nil || string(got) != want {
		t.Errorf("reply %q, %v; want %q", got, err, want)
	}
}

// TestRelayClosesBothEnds checks that when the client goes away, the
// relay's connection to the server is closed too.
func TestRelayClosesBothEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, c)
		// Keep answering into the void until the relay hangs up.
		for {
			if _, err := c.Write([]byte("late reply")); err != nil {
				serverErr <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	addr := startRelay(t, path)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello"))
	c.Close()
	if err := <-serverErr; !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("server write after client close: %v, want broken pipe", err)
	}
}

// TestRelayMissingSocket checks that without a Runtime API socket each
// connection is closed at once, and the relay keeps serving.
func TestRelayMissingSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.sock")
	addr := startRelay(t, path)

	for i := range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		n, err := c.Read(make([]byte, 1))
		c.Close()
		if n != 0 || !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("connection %d: read %d bytes, %v; want it closed", i, n, err)
		}
	}

	// Once the socket exists, the same relay works.
	startUnixServer(t, path, echo)
	if got := do(t, newClient(t), "POST", "http://"+addr+"/echo", []byte("hi")); string(got) != "hi" {
		t.Errorf("after socket appeared: got %q", got)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
