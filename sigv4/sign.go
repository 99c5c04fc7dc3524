package sigv4

import (
	"net/http"
	"time"
)

// Key is an access key: its id and its secret.
type Key struct {
	ID     string
	Secret string
}

// Sign signs r, whose body is body, with key for service in region at
// time now, as the AWS SDKs do: it sets X-Amz-Date and Authorization
// (signed headers host and x-amz-date).
func Sign(r *http.Request, body []byte, key Key, region, service string, now time.Time) {
	date := now.UTC().Format(TimeFormat)
	r.Header.Set("X-Amz-Date", date)
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	a := Authorization{KeyID: key.ID, Date: date[:8], Region: region, Service: service, Terminator: terminator,
		SignedHeaders: []string{"host", "x-amz-date"}}
	canonical := canonicalRequest(r, host, a.SignedHeaders, PayloadHash(body))
	a.Signature = signature(key.Secret, a, stringToSign(date, a.Scope(), canonical))
	r.Header.Set("Authorization", a.String())
}
