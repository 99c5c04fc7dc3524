package function

import "errors"

var (
	// ErrInvalidConfig matches every *FieldError: a function definition
	// that Lambda would refuse, or that lambdad cannot run.
	ErrInvalidConfig = errors.New("invalid function configuration")
	// ErrInvalidName is returned by ParseName for a string that is none of
	// the forms Invoke's {FunctionName} accepts.
	ErrInvalidName = errors.New("invalid function name")
)

// FieldError is one problem in a function's definition. Field uses
// function.json's names ("MemorySize", "EphemeralStorage.Size",
// "Environment.Variables"); it is empty for a problem of the whole file
// (malformed JSON, no runtime found). File is the function.json or the
// function directory the definition came from, when known.
type FieldError struct {
	File  string
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	s := e.Msg
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.File != "" {
		s = e.File + ": " + s
	}
	return s
}

// Is makes errors.Is(err, ErrInvalidConfig) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidConfig }

// joinProblems stamps file on each problem and joins them; nil if none.
func joinProblems(file string, ps []*FieldError) error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		if p.File == "" {
			p.File = file
		}
		errs[i] = p
	}
	return errors.Join(errs...)
}
