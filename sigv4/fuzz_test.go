package sigv4

import (
	"bufio"
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParseAuthorization: any header parses or is refused with an *Error,
// and what parses prints back to a header that parses the same.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32))
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host,Signature=x")
	f.Add("AWS4-HMAC-SHA256 Credential, SignedHeaders=, Signature=")
	f.Add("AWS4-ECDSA-P256-SHA256 Credential=a/b/c/d/e")
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error %v is not an *Error", h, err)
			}
			return
		}
		b, err := ParseAuthorization(a.String())
		if err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%q parsed to %+v, printed as %q, parsed again to %+v, %v", h, a, a.String(), b, err)
		}
	})
}

// FuzzParseKeys: any key file parses or is refused; what parses has valid
// ids and secrets without blanks.
func FuzzParseKeys(f *testing.F) {
	f.Add("# keys\nAKID secret\n\nci other\n")
	f.Add("a b c\n")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseKeys(strings.NewReader(s))
		if err != nil {
			return
		}
		for id, secret := range keys {
			if !validKeyID(id) || secret == "" || strings.ContainsAny(secret, " \t\n") {
				t.Fatalf("%q gave the key %q %q", s, id, secret)
			}
		}
	})
}

// FuzzSignVerify: whatever the path, query and body, a request Sign
// signed verifies, and the same request with another body does not.
func FuzzSignVerify(f *testing.F) {
	f.Add("/2015-03-31/functions/hello%3A%24LATEST/invocations", "Qualifier=%24LATEST", []byte(`{"a":1}`))
	f.Add("/invoke/a%2Fb", "x=1&x=0&y", []byte{})
	f.Fuzz(func(t *testing.T, path, query string, body []byte) {
		r, err := http.NewRequest(http.MethodPost, "http://lambdad.test"+path+"?"+query, bytes.NewReader(body))
		if err != nil || r.URL.Host != "lambdad.test" {
			return
		}
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		Sign(r, body, testKey, "us-east-1", "lambda", now)
		// What the server sees: the request as the client writes it, read
		// as the server reads it.
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			return
		}
		in, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return // a request no server takes
		}
		v := NewVerifier(Keys{testKey.ID: testKey.Secret}, "lambda", func() time.Time { return now })
		p, err := v.Check(in)
		if err != nil {
			t.Fatalf("%s: check: %v", r.URL, err)
		}
		if err := p.Verify(body); err != nil {
			t.Fatalf("%s: verify: %v", r.URL, err)
		}
		if err := p.Verify(append(body, 'x')); err == nil {
			t.Fatalf("%s: another body verified", r.URL)
		}
	})
}
