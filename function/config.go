package function

import (
	"strings"
	"time"
)

// Limits and defaults, as in Lambda (LAMBDA.md §4).
const (
	MinMemoryMB          = 128
	MaxMemoryMB          = 10240
	DefaultMemoryMB      = 128
	MinTimeoutSeconds    = 1
	MaxTimeoutSeconds    = 900
	DefaultTimeout       = 3 // seconds
	MinEphemeralMB       = 512
	MaxEphemeralMB       = 10240
	DefaultEphemeralMB   = 512
	MaxNameLength        = 64
	MaxHandlerLength     = 128
	MaxEnvironmentBytes  = 4096 // keys plus values, all variables together
	DefaultProvided      = "provided.al2023"
	DefaultPython        = "python3.12"
	DefaultBootstrap     = "bootstrap"       // the Handler given to provided runtimes by default
	DefaultPythonHandler = "handler.handler" // module handler (handler.py), function handler
	ConfigFile           = "function.json"
)

// Family is the kind of runtime, which decides the base root filesystem and
// how the sandbox starts.
type Family string

// The runtime families lambdad runs.
const (
	Provided Family = "provided" // provided, provided.al2, provided.al2023: the code's own bootstrap
	Python   Family = "python"   // python3.N: the Python runtime interface client runs Handler
)

// Config is one function as lambdad runs it: plain data, complete (defaults
// filled in) once it comes from LoadDir or ParseConfig, and valid when
// Validate returns nil.
type Config struct {
	Name               string // [a-zA-Z0-9_-]{1,64}: the directory's name
	Runtime            string // provided, provided.al2, provided.al2023 or python3.N
	Handler            string // _HANDLER; module.function for Python
	MemorySize         int    // MB, 128–10240
	Timeout            int    // seconds, 1–900
	EphemeralStorageMB int    // size of /tmp in MB, 512–10240
	Env                map[string]string
	// ReservedConcurrency caps concurrent invokes. nil means no cap; 0
	// means every invoke is throttled, as in Lambda.
	ReservedConcurrency *int
	// ProvisionedConcurrency is how many sandboxes to keep initialized
	// (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency); 0 for none.
	ProvisionedConcurrency int
	// CodeDir is the absolute host path of the code, mounted at /var/task.
	// Empty when the Config did not come from a directory.
	CodeDir string
}

// TimeoutDuration is Timeout as a duration.
func (c Config) TimeoutDuration() time.Duration {
	return time.Duration(c.Timeout) * time.Second
}

// Family is the runtime family of c.Runtime, or "" for a runtime lambdad
// does not know.
func (c Config) Family() Family { return runtimeFamily(c.Runtime) }

// EnvRequest is the part of the environment request that c decides; the
// caller adds Region, Credentials, InitializationType and Now.
func (c Config) EnvRequest() EnvRequest {
	return EnvRequest{Name: c.Name, MemoryMB: c.MemorySize, Handler: c.Handler, Runtime: c.Runtime, Vars: c.Env}
}

func runtimeFamily(runtime string) Family {
	switch {
	case runtime == "provided" || runtime == "provided.al2" || runtime == "provided.al2023":
		return Provided
	case isPythonRuntime(runtime):
		return Python
	}
	return ""
}

// isPythonRuntime matches python3.N, N in 1–99 without a leading zero: the
// managed runtimes python3.8 to python3.13 and later ones.
func isPythonRuntime(runtime string) bool {
	n, ok := strings.CutPrefix(runtime, "python3.")
	if !ok || len(n) == 0 || len(n) > 2 || n[0] == '0' {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}
