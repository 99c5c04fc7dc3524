package sigv4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var testKey = Key{ID: "AKIDLAMBDADTEST", Secret: "c2VjcmV0/+key"}

// server answers 204 to a request that verifies, else 403 with the
// refusal's kind and message in headers.
func server(t *testing.T, now func() time.Time) *httptest.Server {
	t.Helper()
	v := NewVerifier(Keys{testKey.ID: testKey.Secret, "OTHER": "other"}, "lambda", now)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := v.Check(r)
		if err == nil {
			body, _ := io.ReadAll(r.Body)
			err = p.Verify(body)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %v is not an *Error", err)
			}
			w.Header().Set("Kind", e.Kind.Error())
			w.Header().Set("Message", e.Message)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sdkSign signs as aws-sdk-go-v2 does.
func sdkSign(t *testing.T, r *http.Request, body []byte, key Key, region string, at time.Time) {
	t.Helper()
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret},
		r, PayloadHash(body), "lambda", region, at)
	if err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, r *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func newRequest(t *testing.T, url string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/octet-stream")
	r.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	return r
}

// TestVerifyAcceptsSDKAndOwnSignatures: what aws-sdk-go-v2's signer and
// Sign make verifies, for the paths and queries the Invoke API sees.
func TestVerifyAcceptsSDKAndOwnSignatures(t *testing.T) {
	srv := server(t, nil)
	for _, path := range []string{
		"/2015-03-31/functions/hello/invocations",
		"/2015-03-31/functions/hello%3A%24LATEST/invocations",
		"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ahello/invocations?Qualifier=%24LATEST",
		"/2015-03-31/functions/hello/invocations?b=2&a=1&a=0&sp=a%20b",
		"/invoke/hello",
	} {
		for _, body := range [][]byte{nil, []byte(`{"name":"World"}`)} {
			for _, signer := range []string{"sdk", "own"} {
				r := newRequest(t, srv.URL+path, body)
				if signer == "sdk" {
					sdkSign(t, r, body, testKey, "eu-west-3", time.Now())
				} else {
					Sign(r, body, testKey, "us-east-1", "lambda", time.Now())
				}
				if resp := send(t, r); resp.StatusCode != http.StatusNoContent {
					t.Errorf("%s %s %q: %d %s: %s", signer, path, body, resp.StatusCode, resp.Header.Get("Kind"), resp.Header.Get("Message"))
				}
			}
		}
	}
}

// TestVerifyRejects: each way a request can be unsigned or wrongly signed
// gets its kind and AWS's message.
func TestVerifyRejects(t *testing.T) {
	now := time.Now()
	srv := server(t, func() time.Time { return now })
	url := srv.URL + "/2015-03-31/functions/hello/invocations"
	body := []byte(`{"a":1}`)
	signed := func(mod func(r *http.Request)) func() *http.Request {
		return func() *http.Request {
			r := newRequest(t, url, body)
			sdkSign(t, r, body, testKey, "us-east-1", now)
			mod(r)
			return r
		}
	}
	for _, tc := range []struct {
		name    string
		req     func() *http.Request
		kind    error
		message string
	}{
		{"no header", func() *http.Request { return newRequest(t, url, body) }, ErrMissing, "Missing Authentication Token"},
		{"basic auth", signed(func(r *http.Request) { r.SetBasicAuth("a", "b") }), ErrMissing, "Missing Authentication Token"},
		{"sigv4a", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), Algorithm, "AWS4-ECDSA-P256-SHA256", 1))
		}), ErrIncomplete, "Unsupported AWS 'algorithm'"},
		{"no signature", signed(func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
		}), ErrIncomplete, "Authorization header requires 'Signature' parameter."},
		{"short credential", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "", 1))
		}), ErrIncomplete, "Credential must have exactly 5 slash-delimited elements"},
		{"no date", signed(func(r *http.Request) { r.Header.Del("X-Amz-Date") }), ErrIncomplete, "'X-Amz-Date'"},
		{"bad date", signed(func(r *http.Request) { r.Header.Set("X-Amz-Date", "yesterday") }), ErrIncomplete, "ISO-8601"},
		{"old date", func() *http.Request {
			r := newRequest(t, url, body)
			sdkSign(t, r, body, testKey, "us-east-1", now.Add(-16*time.Minute))
			return r
		}, ErrInvalid, "Signature expired"},
		{"future date", func() *http.Request {
			r := newRequest(t, url, body)
			sdkSign(t, r, body, testKey, "us-east-1", now.Add(16*time.Minute))
			return r
		}, ErrInvalid, "Signature not yet current"},
		{"host not signed", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;", "SignedHeaders=content-length;content-type;", 1))
		}), ErrInvalid, "'Host' must be a 'SignedHeader'"},
		{"date not signed", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-date", "", 1))
		}), ErrInvalid, "'X-Amz-Date' must be a 'SignedHeader'"},
		{"other service", func() *http.Request {
			r := newRequest(t, url, body)
			v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey.ID, SecretAccessKey: testKey.Secret},
				r, PayloadHash(body), "s3", "us-east-1", now)
			return r
		}, ErrInvalid, "Credential should be scoped to correct service: 'lambda'."},
		{"unknown key", func() *http.Request {
			r := newRequest(t, url, body)
			sdkSign(t, r, body, Key{ID: "NOBODY", Secret: testKey.Secret}, "us-east-1", now)
			return r
		}, ErrUnknownKey, "The security token included in the request is invalid."},
		{"session token", func() *http.Request {
			r := newRequest(t, url, body)
			v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey.ID, SecretAccessKey: testKey.Secret, SessionToken: "tok"},
				r, PayloadHash(body), "lambda", "us-east-1", now)
			return r
		}, ErrUnknownKey, "The security token included in the request is invalid."},
		{"wrong secret", func() *http.Request {
			r := newRequest(t, url, body)
			sdkSign(t, r, body, Key{ID: "OTHER", Secret: testKey.Secret}, "us-east-1", now)
			return r
		}, ErrInvalid, "The request signature we calculated does not match"},
		{"tampered body", func() *http.Request {
			r := newRequest(t, url, []byte(`{"a":2}`))
			sdkSign(t, r, body, testKey, "us-east-1", now)
			return r
		}, ErrInvalid, "The request signature we calculated does not match"},
		{"tampered path", func() *http.Request {
			r := newRequest(t, srv.URL+"/2015-03-31/functions/other/invocations", body)
			sdkSign(t, r, body, testKey, "us-east-1", now)
			r.URL.Path = "/2015-03-31/functions/hello/invocations"
			return r
		}, ErrInvalid, "The request signature we calculated does not match"},
		{"tampered signed header", signed(func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }), ErrInvalid, "does not match"},
		{"tampered query", signed(func(r *http.Request) { r.URL.RawQuery = "Qualifier=prod" }), ErrInvalid, "does not match"},
		{"content hash of another body", signed(func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", PayloadHash(nil)) }),
			ErrInvalid, "x-amz-content-sha256"},
		{"unsigned payload", signed(func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") }),
			ErrInvalid, "x-amz-content-sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := send(t, tc.req())
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Kind") != tc.kind.Error() ||
				!strings.Contains(resp.Header.Get("Message"), tc.message) {
				t.Errorf("got %d %q %q, want 403 %q %q", resp.StatusCode, resp.Header.Get("Kind"), resp.Header.Get("Message"), tc.kind, tc.message)
			}
		})
	}
}

// TestVerifyUnsignedHeadersMayChange: a header the client did not sign
// (a proxy's User-Agent, say) changes nothing.
func TestVerifyUnsignedHeadersMayChange(t *testing.T) {
	srv := server(t, nil)
	body := []byte(`{}`)
	r := newRequest(t, srv.URL+"/invoke/hello", body)
	sdkSign(t, r, body, testKey, "us-east-1", time.Now())
	r.Header.Set("User-Agent", "changed")
	r.Header.Set("X-Amz-Log-Type", "Tail")
	if resp := send(t, r); resp.StatusCode != http.StatusNoContent {
		t.Errorf("%d %s", resp.StatusCode, resp.Header.Get("Message"))
	}
}
