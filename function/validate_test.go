package function

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func intp(n int) *int { return &n }

func validConfig() Config {
	return Config{
		Name: "hello", Runtime: "provided.al2023", Handler: "bootstrap",
		MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512,
	}
}

// TestValidate covers every rule: each case changes a valid Config and says
// which field must be blamed ("" for valid).
func TestValidate(t *testing.T) {
	python := func(c *Config) { c.Runtime = "python3.12" }
	handler := func(h string) func(*Config) { return func(c *Config) { c.Handler = h } }
	env := func(kv ...string) func(*Config) {
		return func(c *Config) {
			c.Env = map[string]string{}
			for i := 0; i < len(kv); i += 2 {
				c.Env[kv[i]] = kv[i+1]
			}
		}
	}
	for _, tc := range []struct {
		name  string
		edit  []func(*Config)
		field string // "" = valid
		msg   string // part of the message
	}{
		{"valid", nil, "", ""},
		// Name.
		{"name 64", []func(*Config){func(c *Config) { c.Name = strings.Repeat("a", 64) }}, "", ""},
		{"name chars", []func(*Config){func(c *Config) { c.Name = "A-z_09" }}, "", ""},
		{"name empty", []func(*Config){func(c *Config) { c.Name = "" }}, "FunctionName", "1–64"},
		{"name 65", []func(*Config){func(c *Config) { c.Name = strings.Repeat("a", 65) }}, "FunctionName", ""},
		{"name dot", []func(*Config){func(c *Config) { c.Name = "a.b" }}, "FunctionName", ""},
		{"name space", []func(*Config){func(c *Config) { c.Name = "a b" }}, "FunctionName", ""},
		{"name colon", []func(*Config){func(c *Config) { c.Name = "a:b" }}, "FunctionName", ""},
		// Runtime.
		{"provided", []func(*Config){func(c *Config) { c.Runtime = "provided" }}, "", ""},
		{"provided.al2", []func(*Config){func(c *Config) { c.Runtime = "provided.al2" }}, "", ""},
		{"python3.8", []func(*Config){func(c *Config) { c.Runtime = "python3.8" }, handler("h.f")}, "", ""},
		{"python3.13", []func(*Config){func(c *Config) { c.Runtime = "python3.13" }, handler("h.f")}, "", ""},
		{"python3.14", []func(*Config){func(c *Config) { c.Runtime = "python3.14" }, handler("h.f")}, "", ""},
		{"runtime empty", []func(*Config){func(c *Config) { c.Runtime = "" }}, "Runtime", "not supported"},
		{"java", []func(*Config){func(c *Config) { c.Runtime = "java21" }, handler("example.Hello::handleRequest")}, "", ""},
		{"go1.x", []func(*Config){func(c *Config) { c.Runtime = "go1.x" }}, "Runtime", "not supported"},
		{"nodejs", []func(*Config){func(c *Config) { c.Runtime = "nodejs20.x" }, handler("src/app.handler")}, "", ""},
		{"nodejs bad handler", []func(*Config){func(c *Config) { c.Runtime = "nodejs20.x" }, handler("index")}, "Handler", "want file.export"},
		{"nodejs parent dir", []func(*Config){func(c *Config) { c.Runtime = "nodejs20.x" }, handler("../x.handler")}, "Handler", "not allowed"},
		{"python2.7", []func(*Config){func(c *Config) { c.Runtime = "python2.7" }}, "Runtime", ""},
		{"python3", []func(*Config){func(c *Config) { c.Runtime = "python3" }}, "Runtime", ""},
		{"python3.", []func(*Config){func(c *Config) { c.Runtime = "python3." }}, "Runtime", ""},
		{"python3.012", []func(*Config){func(c *Config) { c.Runtime = "python3.012" }}, "Runtime", ""},
		{"python3.x", []func(*Config){func(c *Config) { c.Runtime = "python3.x" }}, "Runtime", ""},
		{"provided.al2024", []func(*Config){func(c *Config) { c.Runtime = "provided.al2024" }}, "Runtime", ""},
		// Handler.
		{"handler empty", []func(*Config){handler("")}, "Handler", "required"},
		{"handler space", []func(*Config){handler("my handler")}, "Handler", "space"},
		{"handler newline", []func(*Config){handler("a\n")}, "Handler", "control"},
		{"handler 128", []func(*Config){handler(strings.Repeat("h", 128))}, "", ""},
		{"handler 129", []func(*Config){handler(strings.Repeat("h", 129))}, "Handler", "longer"},
		{"provided any handler", []func(*Config){handler("hello.handler")}, "", ""},
		{"python module.fn", []func(*Config){python, handler("handler.handler")}, "", ""},
		{"python pkg/mod.fn", []func(*Config){python, handler("pkg/mod.fn")}, "", ""},
		{"python pkg.mod.fn", []func(*Config){python, handler("pkg.mod.fn")}, "", ""},
		{"python a/b.c.fn", []func(*Config){python, handler("a/b.c.fn")}, "", ""},
		{"python no dot", []func(*Config){python, handler("bootstrap")}, "Handler", "module.function"},
		{"python empty fn", []func(*Config){python, handler("mod.")}, "Handler", "empty function"},
		{"python empty module", []func(*Config){python, handler(".fn")}, "Handler", "empty part"},
		{"python double dot", []func(*Config){python, handler("pkg..fn")}, "Handler", "empty part"},
		{"python double slash", []func(*Config){python, handler("pkg//mod.fn")}, "Handler", "empty part"},
		{"python leading slash", []func(*Config){python, handler("/abs/mod.fn")}, "Handler", "empty part"},
		{"python slash dot", []func(*Config){python, handler("pkg/.mod.fn")}, "Handler", "empty part"},
		{"python parent", []func(*Config){python, handler("../mod.fn")}, "Handler", "empty part"},
		// Limits.
		{"memory 10240", []func(*Config){func(c *Config) { c.MemorySize = 10240 }}, "", ""},
		{"memory 127", []func(*Config){func(c *Config) { c.MemorySize = 127 }}, "MemorySize", "128–10240"},
		{"memory 10241", []func(*Config){func(c *Config) { c.MemorySize = 10241 }}, "MemorySize", ""},
		{"timeout 1", []func(*Config){func(c *Config) { c.Timeout = 1 }}, "", ""},
		{"timeout 900", []func(*Config){func(c *Config) { c.Timeout = 900 }}, "", ""},
		{"timeout 0", []func(*Config){func(c *Config) { c.Timeout = 0 }}, "Timeout", "1–900"},
		{"timeout 901", []func(*Config){func(c *Config) { c.Timeout = 901 }}, "Timeout", ""},
		{"ephemeral 10240", []func(*Config){func(c *Config) { c.EphemeralStorageMB = 10240 }}, "", ""},
		{"ephemeral 511", []func(*Config){func(c *Config) { c.EphemeralStorageMB = 511 }}, "EphemeralStorage.Size", "512–10240"},
		{"ephemeral 10241", []func(*Config){func(c *Config) { c.EphemeralStorageMB = 10241 }}, "EphemeralStorage.Size", ""},
		// Environment.
		{"env ok", []func(*Config){env("GREETING", "hi", "a_1", "", "AWS_LAMBDA_EXEC_WRAPPER", "/opt/w", "LANG", "C")}, "", ""},
		{"env key 1 char", []func(*Config){env("A", "x")}, "Environment.Variables", "key \"A\""},
		{"env key digit", []func(*Config){env("1A", "x")}, "Environment.Variables", ""},
		{"env key underscore first", []func(*Config){env("_X", "x")}, "Environment.Variables", ""},
		{"env key dash", []func(*Config){env("A-B", "x")}, "Environment.Variables", ""},
		{"env key empty", []func(*Config){env("", "x")}, "Environment.Variables", ""},
		{"env NUL value", []func(*Config){env("KEY", "a\x00b")}, "Environment.Variables", "NUL"},
		{"env 4096", []func(*Config){env("KEY", strings.Repeat("v", 4093))}, "", ""},
		{"env 4097", []func(*Config){env("KEY", strings.Repeat("v", 4094))}, "Environment.Variables", "4096-byte"},
		{"env 4097 over keys", []func(*Config){env("K1", strings.Repeat("v", 2046), "K2", strings.Repeat("v", 2047))}, "Environment.Variables", "4097 bytes"},
		// Network.
		{"network egress", []func(*Config){func(c *Config) { c.Network = "egress" }}, "", ""},
		{"network none", []func(*Config){func(c *Config) { c.Network = "none" }}, "", ""},
		{"network host", []func(*Config){func(c *Config) { c.Network = "host" }}, "Network", `"host": want "egress" or "none"`},
		// Concurrency.
		{"reserved 0", []func(*Config){func(c *Config) { c.ReservedConcurrency = intp(0) }}, "", ""},
		{"reserved 4", []func(*Config){func(c *Config) { c.ReservedConcurrency = intp(4) }}, "", ""},
		{"reserved -1", []func(*Config){func(c *Config) { c.ReservedConcurrency = intp(-1) }}, "ReservedConcurrentExecutions", "negative"},
		{"provisioned -1", []func(*Config){func(c *Config) { c.ProvisionedConcurrency = -1 }}, "ProvisionedConcurrency", "negative"},
		{"provisioned unlimited", []func(*Config){func(c *Config) { c.ProvisionedConcurrency = 50 }}, "", ""},
		{"provisioned = reserved", []func(*Config){func(c *Config) { c.ProvisionedConcurrency, c.ReservedConcurrency = 4, intp(4) }}, "", ""},
		{"provisioned > reserved", []func(*Config){func(c *Config) { c.ProvisionedConcurrency, c.ReservedConcurrency = 5, intp(4) }}, "ProvisionedConcurrency", "more than ReservedConcurrentExecutions (4)"},
		{"provisioned > reserved 0", []func(*Config){func(c *Config) { c.ProvisionedConcurrency, c.ReservedConcurrency = 1, intp(0) }}, "ProvisionedConcurrency", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			for _, f := range tc.edit {
				f(&c)
			}
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate passed, want a %s error", tc.field)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("errors.Is(%v, ErrInvalidConfig) = false", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("Validate: %v; want field %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Validate: %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := validConfig()
	c.MemorySize, c.Timeout, c.Env = 1, 0, map[string]string{"AWS_REGION": "x", "TZ": "x"}
	err := c.Validate()
	for _, want := range []string{"MemorySize", "Timeout", `"AWS_REGION" is reserved`, `"TZ" is reserved`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v; want it to mention %s", err, want)
		}
	}
}

func TestReservedVars(t *testing.T) {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_RUNTIME_API",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_MAX_CONCURRENCY", "_HANDLER",
		"_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TZ"} {
		c := validConfig()
		c.Env = map[string]string{k: "x"}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("Env %s: Validate = %v, want reserved", k, err)
		}
	}
	// Every name Environment sets and a function may not is reserved.
	for _, kv := range Environment(EnvRequest{Name: "f", Runtime: "python3.12", Credentials: &Credentials{SessionToken: "t"}}) {
		k, _, _ := strings.Cut(kv, "=")
		if !IsReservedVar(k) && k != "LANG" && k != "PATH" && k != "LD_LIBRARY_PATH" {
			t.Errorf("Environment sets %s, which a function could also set", k)
		}
	}
}

func TestConfigHelpers(t *testing.T) {
	c := validConfig()
	c.Timeout = 900
	if got := c.TimeoutDuration(); got != 15*time.Minute {
		t.Errorf("TimeoutDuration = %v", got)
	}
	for rt, want := range map[string]*Family{
		"provided": Provided, "provided.al2": Provided, "provided.al2023": Provided,
		"python3.8": Python, "python3.12": Python, "nodejs22.x": NodeJS, "nodejs16.x": NodeJS, "nodejs22": nil, "nodejs022.x": nil, "": nil,
	} {
		c.Runtime = rt
		if got := c.Family(); got != want {
			t.Errorf("Family(%q) = %v, want %v", rt, got, want)
		}
	}
}
