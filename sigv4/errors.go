package sigv4

import (
	"errors"
	"fmt"
)

// The kinds of refusal, one per AWS error code (the Invoke API maps them):
// every error Check and Verify return wraps one of them.
var (
	// ErrMissing: no signature at all (MissingAuthenticationTokenException).
	ErrMissing = errors.New("missing authentication token")
	// ErrIncomplete: a malformed Authorization header or no date
	// (IncompleteSignatureException).
	ErrIncomplete = errors.New("incomplete signature")
	// ErrUnknownKey: an access key id not in the keys, or a session token,
	// which lambdad never issues (UnrecognizedClientException).
	ErrUnknownKey = errors.New("unrecognized access key")
	// ErrInvalid: a wrong scope, an expired date, headers that must be
	// signed and are not, a payload hash or a signature that does not match
	// (InvalidSignatureException).
	ErrInvalid = errors.New("invalid signature")
)

// Error is a refusal: its message is the one AWS sends, its Kind one of
// the errors above.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func reject(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
