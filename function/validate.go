package function

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/lambdad/lambdad/lambda"
)

// reservedVars are the variable names a function's Environment.Variables
// may not set: Lambda's documented reserved list ("Defined runtime
// environment variables"), plus AWS_LAMBDA_MAX_CONCURRENCY, which lambdad
// never lets reach a runtime (docs/contract.md).
//
// Not sure: TZ is in the documented list, yet the real CreateFunction is
// widely reported to accept it; lambdad refuses it because Environment
// forces TZ=:UTC and silently overriding it would be worse. Other
// AWS_LAMBDA_* names (AWS_LAMBDA_EXEC_WRAPPER, AWS_LAMBDA_DOTNET_PREJIT, …)
// are settable in Lambda, so there is no blanket AWS_LAMBDA_ prefix rule.
var reservedVars = []string{
	"_HANDLER",
	"_X_AMZN_TRACE_ID",
	"AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID",
	"AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_LAMBDA_MAX_CONCURRENCY", // lambdad's addition
	"AWS_LAMBDA_RUNTIME_API",
	"AWS_REGION",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"LAMBDA_RUNTIME_DIR",
	"LAMBDA_TASK_ROOT",
	"TZ",
}

// IsReservedVar reports whether a function may not set the variable name.
func IsReservedVar(name string) bool { return slices.Contains(reservedVars, name) }

// Validate checks c against Lambda's rules and returns every problem found,
// joined, each a *FieldError (errors.Is(err, ErrInvalidConfig)); nil if c
// is valid. This is the one place the rules live.
func (c Config) Validate() error { return joinProblems("", c.problems()) }

func (c Config) problems() []*FieldError {
	var ps []*FieldError
	bad := func(field, format string, args ...any) {
		ps = append(ps, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if !validName(c.Name) {
		bad("FunctionName", "%q: want 1–%d letters, digits, hyphens or underscores", c.Name, MaxNameLength)
	}
	switch c.PackageType {
	case PackageImage:
		if c.Runtime != "" || c.Handler != "" {
			bad("PackageType", "Image: don't give a Runtime or Handler with an image (its ENTRYPOINT and CMD, or ImageConfig, say what runs)")
		}
		if msg := imageURIProblem(c.ImageURI); msg != "" {
			bad("ImageUri", "%q: %s", c.ImageURI, msg)
		}
	case PackageZip, "":
		if c.ImageURI != "" {
			bad("ImageUri", "given with PackageType Zip: set \"PackageType\": \"Image\" to run an image")
		}
		family := c.Family()
		if family == nil {
			bad("Runtime", "%q is not supported (want %s, e.g. %s)", c.Runtime, supportedRuntimes(), Python.DefaultRuntime)
		}
		if msg := handlerProblem(c.Handler, family); msg != "" {
			bad("Handler", "%q: %s", c.Handler, msg)
		}
	default:
		bad("PackageType", "%q: want %q or %q", c.PackageType, PackageZip, PackageImage)
	}
	if c.ImageConfig.WorkingDirectory != "" && !strings.HasPrefix(c.ImageConfig.WorkingDirectory, "/") {
		bad("ImageConfig.WorkingDirectory", "%q is not an absolute path", c.ImageConfig.WorkingDirectory)
	}
	if c.MemorySize < lambda.MinMemoryMB || c.MemorySize > lambda.MaxMemoryMB {
		bad("MemorySize", "%d MB is out of range %d–%d", c.MemorySize, lambda.MinMemoryMB, lambda.MaxMemoryMB)
	}
	if c.Timeout < lambda.MinTimeoutSeconds || c.Timeout > lambda.MaxTimeoutSeconds {
		bad("Timeout", "%d seconds is out of range %d–%d", c.Timeout, lambda.MinTimeoutSeconds, lambda.MaxTimeoutSeconds)
	}
	if c.EphemeralStorageMB < lambda.MinEphemeralMB || c.EphemeralStorageMB > lambda.MaxEphemeralMB {
		bad("EphemeralStorage.Size", "%d MB is out of range %d–%d", c.EphemeralStorageMB, lambda.MinEphemeralMB, lambda.MaxEphemeralMB)
	}
	size := 0
	for _, k := range sortedKeys(c.Env) {
		v := c.Env[k]
		size += len(k) + len(v)
		switch {
		case IsReservedVar(k):
			bad("Environment.Variables", "key %q is reserved by Lambda", k)
		case !validVarName(k):
			bad("Environment.Variables", "key %q: want a letter, then at least one letter, digit or underscore", k)
		case strings.IndexByte(v, 0) >= 0:
			bad("Environment.Variables", "value of %q contains a NUL byte", k)
		}
	}
	if size > lambda.MaxEnvironmentBytes {
		bad("Environment.Variables", "%d bytes of keys and values, over the %d-byte limit", size, lambda.MaxEnvironmentBytes)
	}
	switch c.Network {
	case "", NetworkEgress, NetworkNone:
	default:
		bad("Network", "%q: want %q or %q (or leave it out: the daemon's --network)", c.Network, NetworkEgress, NetworkNone)
	}
	if r := c.ReservedConcurrency; r != nil && *r < 0 {
		bad("ReservedConcurrentExecutions", "%d is negative", *r)
	}
	switch r := c.ReservedConcurrency; {
	case c.ProvisionedConcurrency < 0:
		bad("ProvisionedConcurrency", "%d is negative", c.ProvisionedConcurrency)
	case r != nil && *r >= 0 && c.ProvisionedConcurrency > *r:
		bad("ProvisionedConcurrency", "%d is more than ReservedConcurrentExecutions (%d)", c.ProvisionedConcurrency, *r)
	}
	if c.URL != nil {
		ps = append(ps, c.URL.Problems("FunctionUrlConfig.")...)
	}
	ps = append(ps, c.Logging.problems()...)
	if c.EventInvoke != nil {
		ps = append(ps, c.EventInvoke.Problems("EventInvokeConfig.")...)
	}
	return append(ps, c.codeProblems()...)
}

// validName matches [a-zA-Z0-9_-]{1,64}, a function's name.
func validName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' && s[i] != '_' {
			return false
		}
	}
	return true
}

// validVarName matches [a-zA-Z][a-zA-Z0-9_]+, Lambda's pattern for
// environment variable keys (so at least two characters).
func validVarName(s string) bool {
	if len(s) < 2 || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// handlerProblem says what is wrong with handler, or "" if nothing. Any
// runtime: non-empty, at most 128 characters, no spaces or control
// characters; then what the family asks of it (nil: a runtime lambdad does
// not run, reported on its own).
func handlerProblem(handler string, family *Family) string {
	switch {
	case handler == "":
		return "required"
	case len(handler) > MaxHandlerLength:
		return fmt.Sprintf("longer than %d characters", MaxHandlerLength)
	case strings.IndexFunc(handler, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "contains a space or control character"
	}
	if family == nil || family.handlerProblem == nil {
		return ""
	}
	return family.handlerProblem(handler)
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool  { return '0' <= b && b <= '9' }
func isAlnum(b byte) bool  { return isLetter(b) || isDigit(b) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// imageURIProblem checks an image reference's shape: [registry/]repository
// with a :tag, an @sha256: digest or both, at most 256 characters, no spaces
// (the registry, when it is asked, says whether the image exists).
func imageURIProblem(ref string) string {
	switch {
	case ref == "":
		return "required when PackageType is Image"
	case len(ref) > 256:
		return "longer than 256 characters"
	case strings.IndexFunc(ref, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "contains a space or control character"
	case strings.HasPrefix(ref, "/") || strings.HasSuffix(ref, "/") || strings.Contains(ref, "//"):
		return "not an image reference (want registry/repository:tag)"
	}
	return ""
}
