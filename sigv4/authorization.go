package sigv4

import (
	"strings"
)

// Algorithm is the only signing algorithm accepted (SigV4a is not).
const Algorithm = "AWS4-HMAC-SHA256"

// terminator ends every credential scope.
const terminator = "aws4_request"

// Authorization is a parsed Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=KEYID/20240101/us-east-1/lambda/aws4_request,
//	    SignedHeaders=host;x-amz-date, Signature=<64 hex digits>
type Authorization struct {
	KeyID      string
	Date       string // the scope's YYYYMMDD
	Region     string
	Service    string
	Terminator string
	// SignedHeaders are the lower-case names, in the header's order.
	SignedHeaders []string
	Signature     string
}

// Scope is the credential scope: date/region/service/terminator.
func (a Authorization) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + a.Terminator
}

// String is the header's value.
func (a Authorization) String() string {
	return Algorithm + " Credential=" + a.KeyID + "/" + a.Scope() +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
}

// ParseAuthorization parses an Authorization header's value. Its errors
// are *Error of kind ErrMissing (not a SigV4 header at all) or
// ErrIncomplete, with AWS's messages.
func ParseAuthorization(h string) (Authorization, error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "AWS4-") {
		return Authorization{}, reject(ErrMissing, "Missing Authentication Token")
	}
	alg, params, _ := strings.Cut(h, " ")
	if alg != Algorithm {
		return Authorization{}, reject(ErrIncomplete, "Unsupported AWS 'algorithm': '%s' (only %s for now).", alg, Algorithm)
	}
	var credential, signedHeaders, signature string
	var have [3]bool
	for _, p := range strings.Split(params, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return Authorization{}, reject(ErrIncomplete, "'%s' not a valid key=value pair (missing equal-sign) in Authorization header.", k)
		}
		switch k {
		case "Credential":
			credential, have[0] = v, true
		case "SignedHeaders":
			signedHeaders, have[1] = v, true
		case "Signature":
			signature, have[2] = v, true
		}
	}
	var missing []string
	for i, name := range []string{"Credential", "SignedHeaders", "Signature"} {
		if !have[i] {
			missing = append(missing, "Authorization header requires '"+name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return Authorization{}, reject(ErrIncomplete, "%s", strings.Join(missing, " "))
	}
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return Authorization{}, reject(ErrIncomplete,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", credential)
	}
	a := Authorization{KeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4], Signature: signature}
	for _, name := range strings.Split(signedHeaders, ";") {
		if name == "" || name != strings.ToLower(name) || strings.ContainsAny(name, " \t,=") {
			return Authorization{}, reject(ErrIncomplete, "SignedHeaders must be lower-case header names separated by ';', got '%s'", signedHeaders)
		}
		a.SignedHeaders = append(a.SignedHeaders, name)
	}
	return a, nil
}
