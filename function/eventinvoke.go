package function

import (
	"fmt"
	"strings"
	"time"
)

// EventInvokeConfig is what happens to a function's asynchronous (Event)
// invocations: Lambda's PutFunctionEventInvokeConfig fields, and
// function.json's EventInvokeConfig. Nil fields are Lambda's defaults.
type EventInvokeConfig struct {
	// MaximumRetryAttempts is the retries after a function error, 0–2;
	// nil: 2.
	MaximumRetryAttempts *int `json:",omitempty"`
	// MaximumEventAgeInSeconds is how long an event may wait to run,
	// 60–21600; nil: 21600 (6 hours).
	MaximumEventAgeInSeconds *int               `json:",omitempty"`
	DestinationConfig        *DestinationConfig `json:",omitempty"`
}

// DestinationConfig names where the records of invocations go.
type DestinationConfig struct {
	OnSuccess *Destination `json:",omitempty"`
	OnFailure *Destination `json:",omitempty"`
}

// Destination is one destination: a function's ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]), invoked
// asynchronously with the record, or lambdad's own file:///DIR, a
// directory that gets one JSON file per record.
type Destination struct {
	Destination string `json:",omitempty"`
}

// Lambda's bounds and defaults of an EventInvokeConfig.
const (
	DefaultRetryAttempts = 2
	MaxRetryAttempts     = 2
	MinEventAge          = 60 * time.Second
	MaxEventAge          = 6 * time.Hour
)

// FileDestinationPrefix starts a destination that is a directory of
// lambdad's host (lambdad's own: Lambda has none).
const FileDestinationPrefix = "file://"

// RetryAttempts is MaximumRetryAttempts with its default.
func (e *EventInvokeConfig) RetryAttempts() int {
	if e == nil || e.MaximumRetryAttempts == nil {
		return DefaultRetryAttempts
	}
	return *e.MaximumRetryAttempts
}

// MaxAge is MaximumEventAgeInSeconds with its default.
func (e *EventInvokeConfig) MaxAge() time.Duration {
	if e == nil || e.MaximumEventAgeInSeconds == nil {
		return MaxEventAge
	}
	return time.Duration(*e.MaximumEventAgeInSeconds) * time.Second
}

// OnSuccess is the success destination, or "".
func (e *EventInvokeConfig) OnSuccess() string {
	if e == nil || e.DestinationConfig == nil || e.DestinationConfig.OnSuccess == nil {
		return ""
	}
	return e.DestinationConfig.OnSuccess.Destination
}

// OnFailure is the failure destination, or "".
func (e *EventInvokeConfig) OnFailure() string {
	if e == nil || e.DestinationConfig == nil || e.DestinationConfig.OnFailure == nil {
		return ""
	}
	return e.DestinationConfig.OnFailure.Destination
}

// Problems is what Lambda (or lambdad, for destinations it cannot reach)
// would refuse in e, with function.json's field names below prefix (e.g.
// "EventInvokeConfig."). This is the one place the rules live.
func (e EventInvokeConfig) Problems(prefix string) []*FieldError {
	var ps []*FieldError
	bad := func(field, format string, args ...any) {
		ps = append(ps, &FieldError{Field: prefix + field, Msg: fmt.Sprintf(format, args...)})
	}
	if r := e.MaximumRetryAttempts; r != nil && (*r < 0 || *r > MaxRetryAttempts) {
		bad("MaximumRetryAttempts", "%d: want 0 to %d", *r, MaxRetryAttempts)
	}
	if a := e.MaximumEventAgeInSeconds; a != nil && (*a < int(MinEventAge/time.Second) || *a > int(MaxEventAge/time.Second)) {
		bad("MaximumEventAgeInSeconds", "%d: want %d to %d", *a, int(MinEventAge/time.Second), int(MaxEventAge/time.Second))
	}
	if d := e.DestinationConfig; d != nil {
		if d.OnSuccess != nil {
			if err := CheckDestination(d.OnSuccess.Destination); err != nil {
				bad("DestinationConfig.OnSuccess.Destination", "%v", err)
			}
		}
		if d.OnFailure != nil {
			if err := CheckDestination(d.OnFailure.Destination); err != nil {
				bad("DestinationConfig.OnFailure.Destination", "%v", err)
			}
		}
	}
	return ps
}

// CheckDestination refuses a destination lambdad cannot deliver to: one
// is a function's ARN or file:///DIR (an absolute directory); Amazon SQS,
// SNS, EventBridge and S3 ARNs are refused, for lambdad has none of them.
// "" (no destination) is accepted.
func CheckDestination(d string) error {
	switch {
	case d == "":
		return nil
	case strings.HasPrefix(d, FileDestinationPrefix):
		dir := strings.TrimPrefix(d, FileDestinationPrefix)
		if !strings.HasPrefix(dir, "/") {
			return fmt.Errorf("%q: a file destination is file:// and an absolute directory, file:///path/to/dir", d)
		}
		return nil
	case strings.HasPrefix(d, "arn:"):
		parts := strings.SplitN(d, ":", 6)
		if len(parts) == 6 && parts[2] != "lambda" {
			return fmt.Errorf("%q: lambdad has no Amazon SQS, SNS, EventBridge or S3 to deliver to; a destination is a function's ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME) or lambdad's own file:///path/to/dir", d)
		}
		if _, err := ParseName(d); err != nil || !strings.Contains(d, ":function:") {
			return fmt.Errorf("%q: not a function's ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", d)
		}
		return nil
	}
	return fmt.Errorf("%q: a destination is a function's ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME) or lambdad's own file:///path/to/dir", d)
}
