package funcurl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// writeResult answers with a function's result as Lambda does: a JSON
// object with a statusCode is the response (its statusCode, headers,
// cookies as Set-Cookie headers, body, base64 if isBase64Encoded); any
// other JSON (a string, a number, an object without statusCode) is the
// body of a 200 application/json response, as it is; what is not JSON,
// or a response Lambda could not send, is a 502.
func writeResult(w http.ResponseWriter, payload []byte) {
	resp, ok := parseResult(payload)
	if !ok {
		internalError(w)
		return
	}
	h := w.Header()
	for _, k := range sortedKeys(resp.headers) {
		switch strings.ToLower(k) {
		case "content-length", "transfer-encoding", "connection":
			continue // the listener's own
		}
		if lk := strings.ToLower(k); lk == "vary" || strings.HasPrefix(lk, "access-control-") {
			h.Add(k, resp.headers[k]) // beside the URL's CORS headers, as Lambda does
			continue
		}
		h.Set(k, resp.headers[k])
	}
	for _, c := range resp.cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// response is the HTTP response a result makes.
type response struct {
	status  int
	headers map[string]string
	cookies []string
	body    []byte
}

// parseResult is the response of a function's result, or false if it
// makes none.
func parseResult(payload []byte) (response, bool) {
	if !json.Valid(payload) {
		return response{}, false
	}
	var fields map[string]json.RawMessage
	if trimmed := bytes.TrimSpace(payload); len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &fields) != nil || fields["statusCode"] == nil {
		return response{status: http.StatusOK, body: payload}, true
	}
	var r struct {
		StatusCode      int
		Headers         map[string]json.RawMessage
		Cookies         []string
		Body            json.RawMessage
		IsBase64Encoded bool
	}
	if err := json.Unmarshal(payload, &r); err != nil || r.StatusCode < 100 || r.StatusCode > 599 {
		return response{}, false
	}
	out := response{status: r.StatusCode, headers: map[string]string{}, cookies: r.Cookies}
	for k, raw := range r.Headers {
		var s string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			out.headers[k] = s
		case string(raw) != "null":
			out.headers[k] = string(raw) // a number or a boolean, as written
		}
	}
	var body string
	switch {
	case len(r.Body) == 0 || string(r.Body) == "null":
	case json.Unmarshal(r.Body, &body) == nil:
		out.body = []byte(body)
	default:
		out.body = r.Body // an object or array: its JSON
	}
	if r.IsBase64Encoded && len(out.body) > 0 {
		b, err := base64.StdEncoding.DecodeString(string(out.body))
		if err != nil {
			return response{}, false
		}
		out.body = b
	}
	return out, true
}
