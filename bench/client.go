package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// payload is the event every echo invoke sends.
var payload = []byte(`{"bench":"lambdad","n":1}`)

// newClient is the one HTTP client used against lambdad and the echo server
// alike: keep-alive, enough idle connections for every concurrent client.
func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}}
}

// poster sends POSTs to one URL and times them, client to full response.
type poster struct {
	client *http.Client
	url    string
	header http.Header
}

// post sends body and returns the latency and the response's headers.
func (p *poster) post(ctx context.Context, body []byte) (time.Duration, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range p.header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Function-Error") != "" {
		return 0, nil, fmt.Errorf("POST %s: %s %s", p.url, resp.Status, bytes.TrimSpace(out))
	}
	return took, resp.Header, nil
}

// sequential posts n times, one after the other.
func (p *poster) sequential(ctx context.Context, n int) (samples, error) {
	s := make(samples, 0, n)
	for range n {
		d, _, err := p.post(ctx, payload)
		if err != nil {
			return nil, err
		}
		s = append(s, d)
	}
	return s, nil
}

// load is the outcome of a concurrent run.
type load struct {
	latencies samples
	perSecond float64
}

// concurrent posts n times from c clients at once.
func (p *poster) concurrent(ctx context.Context, c, n int) (load, error) {
	var (
		mu    sync.Mutex
		all   = make(samples, 0, n)
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	for i := range c {
		share := n / c
		if i < n%c {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make(samples, 0, share)
			var err error
			for range share {
				var d time.Duration
				if d, _, err = p.post(ctx, payload); err != nil {
					break
				}
				mine = append(mine, d)
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, mine...)
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return load{}, first
	}
	return load{latencies: all, perSecond: float64(len(all)) / elapsed.Seconds()}, nil
}

// initDuration finds Init Duration in a REPORT line of an X-Amz-Log-Result
// tail: present only when the invoke started a new sandbox.
var initDuration = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

// coldInvoke invokes through the Invoke API with the log tail and proves the
// invoke was a cold start; it returns the client's latency and the REPORT
// line's Init Duration.
func coldInvoke(ctx context.Context, client *http.Client, base, function string) (time.Duration, time.Duration, error) {
	took, tail, err := invokeWithTail(ctx, client, base, function)
	if err != nil {
		return 0, 0, err
	}
	m := initDuration.FindSubmatch(tail)
	if m == nil {
		return 0, 0, fmt.Errorf("%s: not a cold start: no Init Duration in its REPORT line:\n%s", function, tail)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return took, time.Duration(v * float64(time.Millisecond)), nil
}

// invokeWithTail invokes function once and returns its log tail.
func invokeWithTail(ctx context.Context, client *http.Client, base, function string) (time.Duration, []byte, error) {
	p := &poster{client: client, url: base + "/2015-03-31/functions/" + function + "/invocations",
		header: http.Header{"X-Amz-Log-Type": {"Tail"}}}
	took, h, err := p.post(ctx, payload)
	if err != nil {
		return 0, nil, err
	}
	tail, err := base64.StdEncoding.DecodeString(h.Get("X-Amz-Log-Result"))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: log tail: %w", function, err)
	}
	return took, tail, nil
}

// warmFirstInvoke is the first invoke of a function that has a pre-warmed
// (provisioned) sandbox: an error if it was a cold start.
func warmFirstInvoke(ctx context.Context, client *http.Client, base, function string) (time.Duration, error) {
	took, tail, err := invokeWithTail(ctx, client, base, function)
	if err != nil {
		return 0, err
	}
	if initDuration.Match(tail) {
		return 0, fmt.Errorf("%s: a cold start despite ProvisionedConcurrency:\n%s", function, tail)
	}
	return took, nil
}
