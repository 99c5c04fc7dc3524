package invokeapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/sigv4"
)

const (
	authKeyID  = "AKIDLAMBDADTEST"
	authSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// authServer is the Invoke API with --auth-keys, on a real HTTP server:
// the Host and the path a signature covers are what a server reads.
func authServer(t *testing.T, inv *fakeInvoker) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewHandler(Config{
		Functions: fakeFunctions(map[string]error{"hello": nil}), Invoker: inv, Queue: &fakeQueue{},
		Verifier: sigv4.NewVerifier(sigv4.Keys{authKeyID: authSecret}, SigningService, nil),
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sdkClient(endpoint string, creds aws.CredentialsProvider) *lambda.Client {
	return lambda.New(lambda.Options{Region: "eu-central-1", BaseEndpoint: aws.String(endpoint), Credentials: creds,
		RetryMaxAttempts: 1})
}

// TestAuthWithSDK: aws-sdk-go-v2 with the file's key invokes; with a wrong
// secret, an unknown key or no credentials it gets AWS's error codes, and
// the function does not run.
func TestAuthWithSDK(t *testing.T) {
	inv := &fakeInvoker{res: scheduler.Result{Payload: []byte(`"hi"`)}}
	srv := authServer(t, inv)
	in := &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:eu-central-1:123456789012:function:hello"), Payload: []byte(`{"a":1}`)}

	out, err := sdkClient(srv.URL, credentials.NewStaticCredentialsProvider(authKeyID, authSecret, "")).Invoke(context.Background(), in)
	if err != nil || string(out.Payload) != `"hi"` || string(inv.last.Payload) != `{"a":1}` {
		t.Fatalf("signed invoke: %v, %v; the function got %q", out, err, inv.last.Payload)
	}
	for _, tc := range []struct {
		name  string
		creds aws.CredentialsProvider
		code  string
	}{
		{"wrong secret", credentials.NewStaticCredentialsProvider(authKeyID, "not-the-secret", ""), "InvalidSignatureException"},
		{"unknown key", credentials.NewStaticCredentialsProvider("AKIDSOMEONEELSE", authSecret, ""), "UnrecognizedClientException"},
		{"session token", credentials.NewStaticCredentialsProvider(authKeyID, authSecret, "token"), "UnrecognizedClientException"},
		{"anonymous", aws.AnonymousCredentials{}, "MissingAuthenticationTokenException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv.last = scheduler.Request{}
			_, err := sdkClient(srv.URL, tc.creds).Invoke(context.Background(), in)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tc.code || apiErr.ErrorMessage() == "" {
				t.Errorf("got %v, want %s with a message", err, tc.code)
			}
			if inv.last.RequestID != "" {
				t.Error("the function ran")
			}
		})
	}
}

// countingReader counts the bytes read from it (by the client's transport,
// while the test reads the count).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// spaces is an endless body of spaces.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestAuthRaw: signed and tampered requests on the wire, each refusal's
// status, code and message, and a refused body left unread.
func TestAuthRaw(t *testing.T) {
	inv := &fakeInvoker{res: scheduler.Result{Payload: []byte(`{}`)}}
	srv := authServer(t, inv)
	url := srv.URL + "/invoke/hello"
	body := []byte(`{"a":1}`)
	sign := func(r *http.Request, body []byte, secret string, at time.Time) {
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: authKeyID, SecretAccessKey: secret},
			r, sigv4.PayloadHash(body), "lambda", "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
	}
	post := func(body io.Reader, mod func(r *http.Request)) *http.Response {
		r, err := http.NewRequest(http.MethodPost, url, body)
		if err != nil {
			t.Fatal(err)
		}
		mod(r)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, tc := range []struct {
		name    string
		body    []byte
		mod     func(r *http.Request)
		status  int
		code    string
		message string
	}{
		{"signed", body, func(r *http.Request) { sign(r, body, authSecret, time.Now()) }, 200, "", ""},
		{"signed by lambdad's own signer", body, func(r *http.Request) {
			sigv4.Sign(r, body, sigv4.Key{ID: authKeyID, Secret: authSecret}, "ap-south-1", "lambda", time.Now())
		}, 200, "", ""},
		{"unsigned", body, func(r *http.Request) {}, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"tampered body", []byte(`{"a":2}`), func(r *http.Request) { sign(r, body, authSecret, time.Now()) },
			403, "InvalidSignatureException", "The request signature we calculated does not match"},
		{"wrong key", body, func(r *http.Request) { sign(r, body, "other", time.Now()) },
			403, "InvalidSignatureException", "does not match"},
		{"old date", body, func(r *http.Request) { sign(r, body, authSecret, time.Now().Add(-20*time.Minute)) },
			403, "InvalidSignatureException", "Signature expired"},
		{"no date header", body, func(r *http.Request) { sign(r, body, authSecret, time.Now()); r.Header.Del("X-Amz-Date") },
			403, "IncompleteSignatureException", "X-Amz-Date"},
		{"no signature parameter", body, func(r *http.Request) {
			sign(r, body, authSecret, time.Now())
			r.Header.Set("Authorization", strings.Split(r.Header.Get("Authorization"), ", Signature=")[0])
		}, 403, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter."},
		{"signed too large", bytes.Repeat([]byte("1"), 6291457), func(r *http.Request) {
			sign(r, bytes.Repeat([]byte("1"), 6291457), authSecret, time.Now())
		}, 413, "RequestTooLargeException", "6291456"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv.last = scheduler.Request{}
			resp := post(bytes.NewReader(tc.body), tc.mod)
			msg, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-ErrorType") != tc.code || !strings.Contains(string(msg), tc.message) {
				t.Errorf("got %d %q %s, want %d %q %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), msg, tc.status, tc.code, tc.message)
			}
			if ran := inv.last.RequestID != ""; ran != (tc.status == 200) {
				t.Errorf("the function ran: %v", ran)
			}
		})
	}

	// A request whose headers fail is refused before its body is read:
	// of 256 MB, only what the sockets' buffers take on the way is sent
	// (a few MB at most; a body read to its end would be all of it).
	const size = 256 << 20
	big := &countingReader{r: io.LimitReader(spaces{}, size)}
	resp := post(big, func(r *http.Request) {
		r.Header.Set("Content-Type", "application/json")
		r.ContentLength = size
	})
	if sent := big.n.Load(); resp.StatusCode != 403 || sent >= size {
		t.Errorf("unsigned 256 MB body: %d, %d bytes sent", resp.StatusCode, sent)
	}
}

// TestAuthBodiesCountInflight: a signed request's body, which the
// signature check reads, is held against Limits.MaxInflightBytes like any
// other: one that does not fit is 429 before the function runs.
func TestAuthBodiesCountInflight(t *testing.T) {
	inv := &fakeInvoker{res: scheduler.Result{Payload: []byte(`{}`)}}
	srv := httptest.NewServer(NewHandler(Config{
		Functions: fakeFunctions(map[string]error{"hello": nil}), Invoker: inv, Queue: &fakeQueue{},
		Verifier: sigv4.NewVerifier(sigv4.Keys{authKeyID: authSecret}, SigningService, nil),
		Limits:   Limits{MaxInflightBytes: 1 << 10},
	}))
	t.Cleanup(srv.Close)
	client := sdkClient(srv.URL, credentials.NewStaticCredentialsProvider(authKeyID, authSecret, ""))
	small := []byte(`{"a":1}`)
	big := []byte(`"` + strings.Repeat("x", 4<<10) + `"`)
	if _, err := client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("hello"), Payload: small}); err != nil {
		t.Fatalf("a small signed body: %v", err)
	}
	inv.last = scheduler.Request{}
	_, err := client.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("hello"), Payload: big})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "TooManyRequestsException" {
		t.Errorf("a signed body over the budget: %v, want TooManyRequestsException", err)
	}
	if inv.last.RequestID != "" {
		t.Error("the function ran")
	}
}
