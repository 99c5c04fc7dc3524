package function

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

// URLConfig is a function URL's configuration: Lambda's
// CreateFunctionUrlConfig fields, and function.json's FunctionUrlConfig.
type URLConfig struct {
	AuthType   string // URLAuthNone or URLAuthIAM (accepted; lambdad checks no IAM)
	InvokeMode string // URLBuffered ("" too) or URLResponseStream
	Cors       *Cors  `json:",omitempty"`
}

// Cors is a function URL's cross-origin resource sharing settings
// (Lambda's Cors), answered by the URL listener, never the function.
type Cors struct {
	AllowCredentials bool     `json:",omitempty"`
	AllowHeaders     []string `json:",omitempty"`
	AllowMethods     []string `json:",omitempty"`
	AllowOrigins     []string `json:",omitempty"`
	ExposeHeaders    []string `json:",omitempty"`
	MaxAge           int      `json:",omitempty"` // seconds
}

// Values of URLConfig's AuthType and InvokeMode.
const (
	URLAuthNone       = "NONE"
	URLAuthIAM        = "AWS_IAM"
	URLBuffered       = "BUFFERED"
	URLResponseStream = "RESPONSE_STREAM"
)

// Lambda's bounds of a Cors.
const (
	maxCorsHeaders   = 100
	maxCorsHeaderLen = 1024
	maxCorsMethods   = 6
	maxCorsMethodLen = 6
	maxCorsOrigins   = 100
	maxCorsOriginLen = 253
	maxCorsMaxAge    = 86400
)

// Mode is InvokeMode with its default filled in.
func (u URLConfig) Mode() string {
	if u.InvokeMode == "" {
		return URLBuffered
	}
	return u.InvokeMode
}

// Problems is what Lambda would refuse in u, with function.json's field
// names below prefix (e.g. "FunctionUrlConfig."). This is the one place
// the rules live.
func (u URLConfig) Problems(prefix string) []*FieldError {
	var ps []*FieldError
	bad := func(field, format string, args ...any) {
		ps = append(ps, &FieldError{Field: prefix + field, Msg: fmt.Sprintf(format, args...)})
	}
	switch u.AuthType {
	case URLAuthNone, URLAuthIAM:
	case "":
		bad("AuthType", "required: %q or %q", URLAuthNone, URLAuthIAM)
	default:
		bad("AuthType", "%q: want %q or %q", u.AuthType, URLAuthNone, URLAuthIAM)
	}
	switch u.InvokeMode {
	case "", URLBuffered, URLResponseStream:
	default:
		bad("InvokeMode", "%q: want %q or %q", u.InvokeMode, URLBuffered, URLResponseStream)
	}
	c := u.Cors
	if c == nil {
		return ps
	}
	list := func(field string, items []string, maxItems, minLen, maxLen int) {
		if len(items) > maxItems {
			bad("Cors."+field, "%d items, at most %d", len(items), maxItems)
		}
		for _, s := range items {
			if len(s) < minLen || len(s) > maxLen {
				bad("Cors."+field, "%q: want %d to %d characters", s, minLen, maxLen)
			}
		}
	}
	list("AllowHeaders", c.AllowHeaders, maxCorsHeaders, 0, maxCorsHeaderLen)
	list("ExposeHeaders", c.ExposeHeaders, maxCorsHeaders, 0, maxCorsHeaderLen)
	list("AllowMethods", c.AllowMethods, maxCorsMethods, 0, maxCorsMethodLen)
	list("AllowOrigins", c.AllowOrigins, maxCorsOrigins, 1, maxCorsOriginLen)
	if c.MaxAge < 0 || c.MaxAge > maxCorsMaxAge {
		bad("Cors.MaxAge", "%d: want 0 to %d seconds", c.MaxAge, maxCorsMaxAge)
	}
	return ps
}

// URLID is the id of the URL of the function name at qualifier ("" or
// $LATEST, or an alias): the host label <id>.lambda-url.localhost and the
// path prefix /<id>/ name it. It is the name lowercased, with "--" and the
// alias lowercased after it, when that is a DNS label whose parts are
// each letters, digits and single hyphens (so the id says which function
// and alias it is, and two such ids never collide but by case); else
// URLHashID.
func URLID(name, qualifier string) string {
	if qualifier == LatestVersion {
		qualifier = ""
	}
	id := strings.ToLower(name)
	ok := readableLabel(id)
	if qualifier != "" {
		q := strings.ToLower(qualifier)
		ok = ok && readableLabel(q)
		id += "--" + q
	}
	if !ok || len(id) > 63 {
		return URLHashID(name, qualifier)
	}
	return id
}

// URLHashID is the id of a URL whose names do not make one (URLID), or
// whose readable id another function's URL already has: "h--", 16
// characters of base32 of the names' sha256, "--h". It holds "--" twice,
// which no readable id does.
func URLHashID(name, qualifier string) string {
	if qualifier == LatestVersion {
		qualifier = ""
	}
	sum := sha256.Sum256([]byte(name + ":" + qualifier))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10])
	return "h--" + strings.ToLower(enc) + "--h"
}

// readableLabel tells whether s is letters, digits and single hyphens,
// neither first nor last.
func readableLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}
