package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// sender delivers a batch to a subscriber's destination. Only the
// subscriber's goroutine calls it.
type sender interface {
	send(ctx context.Context, batch []item) error
	close()
}

// loopback is where a destination is dialled: the sandbox itself, through
// the Hub's Dialer.
func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// httpSender POSTs (or PUTs) each batch as a JSON array, over one
// connection kept alive.
type httpSender struct {
	client *http.Client
	url    string
	method string
}

func newHTTPSender(dial Dialer, d destination) *httpSender {
	addr := loopback(d.port)
	t := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dial(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	return &httpSender{client: &http.Client{Transport: t}, url: d.url, method: d.method}
}

func (h *httpSender) send(ctx context.Context, batch []item) error {
	body := make([]byte, 0, batchSize(batch)+len(batch)+2)
	body = append(body, '[')
	for i, it := range batch {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, it.b...)
	}
	body = append(body, ']')
	req, err := http.NewRequestWithContext(ctx, h.method, h.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	// Read what is left of the answer so the connection is reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s", h.method, h.url, resp.Status)
	}
	return nil
}

func (h *httpSender) close() { h.client.CloseIdleConnections() }

// tcpSender writes each record as a line of newline-delimited JSON over one
// connection, dialled again after a failure. TCP has no acknowledgement: a
// record written is delivered, as with Lambda.
type tcpSender struct {
	dial Dialer
	addr string
	conn net.Conn
}

func newTCPSender(dial Dialer, d destination) *tcpSender {
	return &tcpSender{dial: dial, addr: loopback(d.port)}
}

func (t *tcpSender) send(ctx context.Context, batch []item) error {
	if t.conn == nil {
		c, err := t.dial(ctx, "tcp", t.addr)
		if err != nil {
			return err
		}
		t.conn = c
	}
	body := make([]byte, 0, batchSize(batch)+len(batch))
	for _, it := range batch {
		body = append(append(body, it.b...), '\n')
	}
	c := t.conn
	if deadline, ok := ctx.Deadline(); ok {
		c.SetWriteDeadline(deadline)
	}
	// The Hub's Close ends a write the extension does not read.
	stop := context.AfterFunc(ctx, func() { c.SetWriteDeadline(time.Unix(1, 0)) })
	_, err := c.Write(body)
	stop()
	if err != nil {
		c.Close()
		t.conn = nil
	}
	return err
}

func (t *tcpSender) close() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}

func batchSize(batch []item) int {
	n := 0
	for _, it := range batch {
		n += len(it.b)
	}
	return n
}
