package sigv4

import (
	"crypto/hmac"
	"net/http"
	"slices"
	"time"
)

// MaxSkew is how far a request's X-Amz-Date may be from the verifier's
// clock, either way, as on AWS.
const MaxSkew = 15 * time.Minute

// Verifier checks requests' signatures against a set of keys for one
// service (the scope's service; any region).
type Verifier struct {
	keys    Keys
	service string
	now     func() time.Time
}

// NewVerifier checks signatures made with keys for service. now is the
// clock (nil: time.Now).
func NewVerifier(keys Keys, service string, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, service: service, now: now}
}

// Pending is a request whose headers passed Check: Verify checks its
// signature over its body.
type Pending struct {
	r      *http.Request
	auth   Authorization
	date   string // X-Amz-Date
	secret string
}

// Check checks what can be checked without the body, in the order AWS
// does: a SigV4 Authorization header, a date within MaxSkew, host and
// x-amz-date signed, the scope, a known key and no session token.
func (v *Verifier) Check(r *http.Request) (*Pending, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, reject(ErrMissing, "Missing Authentication Token")
	}
	a, err := ParseAuthorization(h)
	if err != nil {
		return nil, err
	}
	date := r.Header.Get("X-Amz-Date")
	if date == "" {
		return nil, reject(ErrIncomplete, "Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	t, err := time.Parse(TimeFormat, date)
	if err != nil {
		return nil, reject(ErrIncomplete, "Date must be in ISO-8601 'basic format'. Got '%s'.", date)
	}
	now := v.now().UTC()
	if t.Before(now.Add(-MaxSkew)) {
		return nil, reject(ErrInvalid, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			date, now.Add(-MaxSkew).Format(TimeFormat), now.Format(TimeFormat))
	}
	if t.After(now.Add(MaxSkew)) {
		return nil, reject(ErrInvalid, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			date, now.Add(MaxSkew).Format(TimeFormat), now.Format(TimeFormat))
	}
	if !slices.Contains(a.SignedHeaders, "host") {
		return nil, reject(ErrInvalid, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if !slices.Contains(a.SignedHeaders, "x-amz-date") {
		return nil, reject(ErrInvalid, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
	}
	switch {
	case a.Region == "":
		return nil, reject(ErrInvalid, "Credential should be scoped to a valid region, not ''.")
	case a.Service != v.service:
		return nil, reject(ErrInvalid, "Credential should be scoped to correct service: '%s'.", v.service)
	case a.Terminator != terminator:
		return nil, reject(ErrInvalid, "Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, a.Terminator)
	case a.Date != date[:8]:
		return nil, reject(ErrInvalid, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.Date, date[:8], date)
	}
	secret, ok := v.keys[a.KeyID]
	if !ok || r.Header.Get("X-Amz-Security-Token") != "" {
		return nil, reject(ErrUnknownKey, "The security token included in the request is invalid.")
	}
	return &Pending{r: r, auth: a, date: date, secret: secret}, nil
}

// KeyID is the access key id the request is signed with.
func (p *Pending) KeyID() string { return p.auth.KeyID }

// Verify checks the signature over the request and its body, which the
// caller read (once, bounded): the payload's hash is the body's, and
// X-Amz-Content-Sha256, if sent, must be that hash.
func (p *Pending) Verify(body []byte) error {
	hash := PayloadHash(body)
	if h := p.r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != hash {
		return reject(ErrInvalid, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	canonical := canonicalRequest(p.r, p.r.Host, p.auth.SignedHeaders, hash)
	want := signature(p.secret, p.auth, stringToSign(p.date, p.auth.Scope(), canonical))
	if !hmac.Equal([]byte(want), []byte(p.auth.Signature)) {
		return reject(ErrInvalid, "The request signature we calculated does not match the signature you provided. "+
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}
