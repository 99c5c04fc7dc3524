package funcurl

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lambdad/lambdad/function"
)

// CORS as Lambda applies a URL's Cors: it answers preflight requests
// itself, with the configured headers only (the function never sees
// them), and adds the configured headers to every other response of an
// allowed origin, beside any the function returned itself.

// isPreflight tells whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// allowedOrigin is the Access-Control-Allow-Origin of a request from
// origin, or "" if c does not allow it: "*" when any origin is and
// credentials are not, else the origin itself.
func allowedOrigin(c *function.Cors, origin string) string {
	if origin == "" {
		return ""
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*" && !c.AllowCredentials:
			return "*"
		case o == "*" || strings.EqualFold(o, origin):
			return origin
		}
	}
	return ""
}

// preflight answers a preflight request.
func preflight(w http.ResponseWriter, r *http.Request, c *function.Cors) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if o := allowedOrigin(c, r.Header.Get("Origin")); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
		if len(c.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		}
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if len(c.ExposeHeaders) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
		}
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
	}
	w.WriteHeader(http.StatusOK)
}

// addCORS adds c's headers for r's origin to a response's.
func addCORS(h http.Header, r *http.Request, c *function.Cors) {
	o := allowedOrigin(c, r.Header.Get("Origin"))
	h.Add("Vary", "Origin")
	if o == "" {
		return
	}
	h.Add("Access-Control-Allow-Origin", o)
	if len(c.ExposeHeaders) > 0 {
		h.Add("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if c.AllowCredentials {
		h.Add("Access-Control-Allow-Credentials", "true")
	}
}
