package invokeapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/sigv4"
)

// SigningService is the service a request's signature must be scoped to.
const SigningService = "lambda"

// bodyKey keys the request body authenticate read, in the request's context.
type bodyKey struct{}

// authenticate serves a request only when its SigV4 signature verifies
// against Config.Verifier's keys. What the headers already refuse is
// refused before the body is read; the body is read once, bounded by the
// largest payload and held against Limits.MaxInflightBytes until the
// handler returns, and reaches the handler through the context.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pending, err := a.cfg.Verifier.Check(r)
		if err != nil {
			a.refuse(w, r, err)
			return
		}
		limit := bodyLimit(r)
		body, held, serr := a.readBody(w, r, limit)
		if serr != nil {
			if serr.code == codeTooLarge && limit == maxCodeRequest {
				serr = codeTooLargeError(limit, r.Method+" "+r.URL.Path)
			}
			serr.write(w)
			return
		}
		defer a.inflight.release(held)
		if err := pending.Verify(body); err != nil {
			a.refuse(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	})
}

// bodyLimit is the largest body a request may have: a code zip's for the
// requests that may carry one, else the largest payload.
func bodyLimit(r *http.Request) int {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodPost && p == "/2015-03-31/functions",
		r.Method == http.MethodPut && strings.HasPrefix(p, "/2015-03-31/functions/") && strings.HasSuffix(p, "/code"):
		return maxCodeRequest
	}
	return lambda.MaxSyncPayload
}

// refuse answers a request whose signature failed with AWS's code for it:
// always 403, as Lambda answers.
func (a *api) refuse(w http.ResponseWriter, r *http.Request, err error) {
	code := codeInvalidSignature
	switch {
	case errors.Is(err, sigv4.ErrMissing):
		code = codeMissingToken
	case errors.Is(err, sigv4.ErrIncomplete):
		code = codeIncompleteSignature
	case errors.Is(err, sigv4.ErrUnknownKey):
		code = codeUnrecognizedClient
	}
	a.cfg.Logger.Debug("invoke refused", "remote", r.RemoteAddr, "code", code, "err", err)
	(&serviceError{status: http.StatusForbidden, code: code, message: err.Error()}).write(w)
}
