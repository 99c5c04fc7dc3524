package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// relay copies each TCP connection it accepts, byte for byte and in both
// directions, to a new connection to the Runtime API's unix socket.
type relay struct {
	socket *net.UnixAddr
}

// halfCloser is a connection whose write side can be shut down alone, as
// both *net.TCPConn and *net.UnixConn can.
type halfCloser interface {
	net.Conn
	CloseWrite() error
}

// bufPool holds copy buffers: a connection uses two while it is open, and
// the runtime client reconnects rarely (it keeps its connections alive).
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

// serve accepts connections on ln until ln is closed. Each connection is
// relayed on its own goroutines, so a slow or failed one blocks no other.
func (r *relay) serve(ln *net.TCPListener) error {
	var delay time.Duration
	for {
		c, err := ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors or the like: back off as net/http
			// does rather than spin, and keep serving.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		go r.handle(c)
	}
}

// handle relays c to a new connection to the socket. If the socket cannot
// be dialled (lambdad run starts sandboxes without a Runtime API), c is
// closed: the client sees the connection end at once.
func (r *relay) handle(c *net.TCPConn) {
	defer c.Close()
	u, err := net.DialUnix("unix", nil, r.socket)
	if err != nil {
		return
	}
	defer u.Close()

	done := make(chan struct{})
	go func() {
		pipe(u, c)
		close(done)
	}()
	pipe(c, u)
	<-done
}

// pipe copies src to dst until src reaches EOF, then shuts down the write
// side of dst, so that the peer sees the end of a request or response body
// while the other direction carries on. If copying fails, pipe closes both
// connections, which also ends the copy in the other direction.
func pipe(dst, src halfCloser) {
	bp := bufPool.Get().(*[]byte)
	// The wrappers hide ReadFrom and WriteTo, so that io.CopyBuffer uses the
	// pooled buffer rather than splice(2), which would hold two pipes (four
	// descriptors) for the life of the connection. For the Runtime API's
	// small messages BenchmarkRelay shows no difference in speed.
	_, err := io.CopyBuffer(writerOnly{dst}, readerOnly{src}, *bp)
	bufPool.Put(bp)
	if err == nil && dst.CloseWrite() == nil {
		return
	}
	dst.Close()
	src.Close()
}

type readerOnly struct{ io.Reader }

type writerOnly struct{ io.Writer }
