package runtimeapi

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
)

// listenLimited starts a server with lim on a loopback port, its
// connections' clock set by the returned function (it starts at the epoch
// and moves only when told).
func listenLimited(t *testing.T, lim Limits) (*Server, func(time.Duration)) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(ln, lim)
	t.Cleanup(func() { s.Close() })
	var now atomic.Int64
	s.conns.mu.Lock()
	s.conns.now = func() time.Time { return time.Unix(0, now.Load()) }
	s.conns.mu.Unlock()
	return s, func(d time.Duration) { now.Add(int64(d)) }
}

// dialSilent opens a connection to s that sends nothing.
func dialSilent(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr(s))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer tells whether the server closed c: a read returns EOF or
// a reset at once then. The deadline only keeps a broken server from
// hanging the test.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(testkit.EventuallyTimeout))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// Connections beyond MaxConns are closed as soon as they are accepted, and
// counted; the runtime's own connection keeps working.
func TestConnLimitClosesExcess(t *testing.T) {
	s, _ := listenLimited(t, Limits{MaxConns: 3})
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.echo(ctx)
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	dialSilent(t, s)
	dialSilent(t, s)
	testkit.Eventually(t, "three connections open", func() bool { return s.ConnStats().Open == 3 })
	for range 5 {
		if c := dialSilent(t, s); !closedByServer(c) {
			t.Fatal("a connection beyond MaxConns was kept open")
		}
	}
	if st := s.ConnStats(); st.Open != 3 || st.Refused != 5 {
		t.Errorf("ConnStats = %+v, want 3 open, 5 refused", st)
	}
	r, err := s.Invoke(ctx, testInvocation("id-1"))
	if err != nil || string(r.Body) != `{"name":"World"}` {
		t.Errorf("Invoke during the flood = %q, %v", r.Body, err)
	}
}

// At the limit, connections that sent nothing for StaleAfter make room for
// a new one; a GET /next waiting for an event is never closed, however
// long it waits.
func TestConnLimitClosesStaleForNew(t *testing.T) {
	s, advance := listenLimited(t, Limits{MaxConns: 2, StaleAfter: 10 * time.Second})
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.echo(ctx)
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	silent := dialSilent(t, s)
	testkit.Eventually(t, "two connections open", func() bool { return s.ConnStats().Open == 2 })
	if c := dialSilent(t, s); !closedByServer(c) {
		t.Fatal("a third connection was kept open before any was stale")
	}
	advance(10 * time.Second)
	fresh := dialSilent(t, s)
	if !closedByServer(silent) {
		t.Error("the silent connection was kept open after StaleAfter, with a new one waiting")
	}
	testkit.Eventually(t, "the new connection admitted", func() bool { return s.ConnStats().Open == 2 })
	if st := s.ConnStats(); st.Refused != 1 {
		t.Errorf("ConnStats = %+v, want 1 refused", st)
	}
	fresh.Close()
	r, err := s.Invoke(ctx, testInvocation("id-1"))
	if err != nil || string(r.Body) != `{"name":"World"}` {
		t.Errorf("Invoke on the runtime's connection after its long GET /next = %q, %v", r.Body, err)
	}
}

// The runtime's connection, idle while the function works on its event (after
// GET /next, before POST /response), is never closed to make room, however
// long the function runs: the runtime posts its response on it.
func TestConnLimitKeepsTheRuntimesIdleConnection(t *testing.T) {
	s, advance := listenLimited(t, Limits{MaxConns: 2, StaleAfter: 10 * time.Second})
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got, release := make(chan string, 1), make(chan struct{})
	go func() {
		resp, _, err := rt.next(ctx)
		if err != nil {
			return
		}
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		got <- id
		<-release
		rt.post(responsePath(id), []byte(`"done"`), nil)
	}()
	invoked := make(chan Result, 1)
	go func() {
		r, _ := s.Invoke(ctx, testInvocation("id-1"))
		invoked <- r
	}()
	<-got
	testkit.Eventually(t, "the runtime's connection idle", func() bool {
		s.conns.mu.Lock()
		defer s.conns.mu.Unlock()
		for _, st := range s.conns.open {
			if st.state == http.StateIdle {
				return true
			}
		}
		return false
	})
	dialSilent(t, s)
	advance(time.Hour) // a long invoke
	for range 3 {
		if c := dialSilent(t, s); !closedByServer(c) {
			c.Close()
		}
	}
	close(release)
	if r := <-invoked; r.Outcome != Response || string(r.Body) != `"done"` {
		t.Errorf("Invoke = %+v, want the runtime's response", r)
	}
	if n := rt.dials.Load(); n != 1 {
		t.Errorf("the runtime dialed %d times, want once: its connection was closed under it", n)
	}
}

// A 6 MB response posted through a limited server arrives whole.
func TestConnLimitKeepsLargeResponses(t *testing.T) {
	s, _ := listenLimited(t, Limits{MaxConns: 1})
	rt := newTestRuntime(t, addr(s))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	big := bytes.Repeat([]byte("x"), maxPayload)
	go func() {
		resp, _, err := rt.next(ctx)
		if err != nil {
			return
		}
		rt.post(responsePath(resp.Header.Get("Lambda-Runtime-Aws-Request-Id")), big, nil)
	}()
	r, err := s.Invoke(ctx, testInvocation("id-1"))
	if err != nil || r.Outcome != Response || !bytes.Equal(r.Body, big) {
		t.Errorf("Invoke = %v %d bytes, %v; want the %d bytes posted", r.Outcome, len(r.Body), err, len(big))
	}
}
