package catalog

import "fmt"

// Lambda's exception names, the Code of an *Error.
const (
	NotFound            = "ResourceNotFoundException"
	Conflict            = "ResourceConflictException"
	InvalidParameter    = "InvalidParameterValueException"
	PreconditionFailed  = "PreconditionFailedException"
	TooLarge            = "RequestEntityTooLargeException"
	ProvisionedNotFound = "ProvisionedConcurrencyConfigNotFoundException"
	Service             = "ServiceException"
)

// Error is a refused or failed control-plane request: Code is the
// exception Lambda answers it with, Message Lambda's (or lambdad's own)
// explanation.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Is makes an *Error with Code NotFound match ErrNotFound.
func (e *Error) Is(target error) bool { return target == ErrNotFound && e.Code == NotFound }
