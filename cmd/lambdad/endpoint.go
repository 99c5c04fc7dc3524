package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/sigv4"
)

// invokeClient is the HTTP client and base URL for an --endpoint: an
// http:// URL, or unix:PATH for lambdad's unix socket.
func invokeClient(endpoint string) (*http.Client, string) {
	client := &http.Client{Timeout: 16 * time.Minute}
	path, ok := strings.CutPrefix(endpoint, daemon.UnixPrefix)
	if !ok {
		return client, strings.TrimSuffix(endpoint, "/")
	}
	client.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}
	return client, "http://lambdad"
}

// signFromEnv signs req as the aws CLI would, with the credentials of
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, if both are set (a lambdad
// serve with --auth-keys needs it; one without ignores it).
func signFromEnv(req *http.Request, body []byte) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		region = function.DefaultRegion
	}
	sigv4.Sign(req, body, sigv4.Key{ID: id, Secret: secret}, region, invokeapi.SigningService, time.Now())
}
