package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// runtimeAPI answers like the daemon's Runtime API, with small bodies: an
// event for GET .../next and 202 for POST .../response.
var runtimeAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", "1542409706888")
		w.Write(smallBody)
		return
	}
	io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`{"status":"OK"}`))
})

var smallBody = bytes.Repeat([]byte("x"), 100)

// BenchmarkRelay measures one invocation's worth of Runtime API traffic
// (GET next + POST response, keep-alive) straight to the unix socket,
// through the relay, and to a TCP loopback server without relay. The
// relay's cost per request is the difference between the first two.
func BenchmarkRelay(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rt.sock")
	startUnixServer(b, path, runtimeAPI)
	relayAddr := startRelay(b, path)

	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: runtimeAPI}
	go srv.Serve(tcp)
	b.Cleanup(func() { srv.Close() })

	unixDial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
	b.Run("unix-direct", func(b *testing.B) { benchInvocations(b, "http://lambda", unixDial) })
	b.Run("tcp-relay", func(b *testing.B) { benchInvocations(b, "http://"+relayAddr, nil) })
	b.Run("tcp-direct", func(b *testing.B) { benchInvocations(b, "http://"+tcp.Addr().String(), nil) })
}

func benchInvocations(b *testing.B, base string, dial func(context.Context, string, string) (net.Conn, error)) {
	tr := &http.Transport{DialContext: dial, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	next := base + "/2018-06-01/runtime/invocation/next"
	respond := base + "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response"

	roundTrip := func(req *http.Request) time.Duration {
		t0 := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0)
	}
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		get, _ := http.NewRequest(http.MethodGet, next, nil)
		post, _ := http.NewRequest(http.MethodPost, respond, bytes.NewReader(smallBody))
		lat = append(lat, roundTrip(get), roundTrip(post))
	}
	slices.Sort(lat)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(lat[len(lat)/2]), "p50-µs/req")
	b.ReportMetric(us(lat[len(lat)*99/100]), "p99-µs/req")
}
