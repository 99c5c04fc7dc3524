package function

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func envMap(env []string) map[string]string {
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	return got
}

func TestEnvironment(t *testing.T) {
	got := envMap(Environment(EnvRequest{
		Name: "hello", MemoryMB: 256, Handler: "bootstrap",
		Vars: map[string]string{"GREETING": "hi", "AWS_REGION": "mars-1", "PATH": "/evil",
			"AWS_LAMBDA_MAX_CONCURRENCY": "8", "AWS_EXECUTION_ENV": "AWS_Lambda_evil"},
		Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	}))
	for k, want := range map[string]string{
		"GREETING":                        "hi",
		"AWS_REGION":                      "us-east-1", // reserved names win
		"AWS_DEFAULT_REGION":              "us-east-1",
		"PATH":                            "/evil", // not reserved: PATH, LANG and LD_LIBRARY_PATH are the function's to set
		"LANG":                            "en_US.UTF-8",
		"AWS_LAMBDA_FUNCTION_NAME":        "hello",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_RUNTIME_API":          "127.0.0.1:9001",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/hello",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"_HANDLER":                        "bootstrap",
		"TZ":                              ":UTC",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if !regexp.MustCompile(`^2026/11/27/\[\$LATEST\][0-9a-f]{32}$`).MatchString(got["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("log stream name %q", got["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	for _, k := range []string{"AWS_LAMBDA_MAX_CONCURRENCY", "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s=%q is set, want it unset", k, v)
		}
	}
}

func TestEnvironmentRuntime(t *testing.T) {
	for _, tc := range []struct{ runtime, want string }{
		{"", ""},
		{"provided", ""},
		{"provided.al2", ""},
		{"provided.al2023", ""},
		{"python3.12", "AWS_Lambda_python3.12"},
		{"python3.8", "AWS_Lambda_python3.8"},
	} {
		got, ok := envMap(Environment(EnvRequest{Name: "f", Runtime: tc.runtime}))["AWS_EXECUTION_ENV"]
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Runtime %q: AWS_EXECUTION_ENV = %q (set %v), want %q", tc.runtime, got, ok, tc.want)
		}
	}
}

func TestEnvironmentInitTypeAndCredentials(t *testing.T) {
	got := envMap(Environment(EnvRequest{
		Name: "f", Region: "eu-west-1", InitializationType: InitProvisioned,
		Credentials: &Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"},
		Vars:        map[string]string{"AWS_SESSION_TOKEN": "stale", "AWS_ACCESS_KEY_ID": "mine"},
	}))
	for k, want := range map[string]string{
		"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency",
		"AWS_REGION":                     "eu-west-1",
		"AWS_ACCESS_KEY_ID":              "AKID",
		"AWS_SECRET_ACCESS_KEY":          "secret",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if v, ok := got["AWS_SESSION_TOKEN"]; ok {
		t.Errorf("AWS_SESSION_TOKEN = %q with no session token configured", v)
	}
	got = envMap(Environment(EnvRequest{Name: "f", Credentials: &Credentials{AccessKeyID: "a", SecretAccessKey: "b", SessionToken: "tok"}}))
	if got["AWS_SESSION_TOKEN"] != "tok" {
		t.Errorf("AWS_SESSION_TOKEN = %q, want tok", got["AWS_SESSION_TOKEN"])
	}
}

func TestConfigEnvRequest(t *testing.T) {
	c := Config{Name: "f", Runtime: "python3.12", Handler: "app.main", MemorySize: 512, Env: map[string]string{"K1": "v"}}
	got := envMap(Environment(c.EnvRequest()))
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "f", "_HANDLER": "app.main", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "K1": "v",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

// Defaults are lambdad's suggestions: the function's own variables win over
// them, and reserved names over both.
func TestEnvironmentDefaults(t *testing.T) {
	got := envMap(Environment(EnvRequest{
		Name: "f", MemoryMB: 128, Handler: "h",
		Defaults: map[string]string{"AWS_ENDPOINT_URL_LAMBDA": "http://host.lambdad.internal:9000",
			"AWS_ENDPOINT_URL": "http://host.lambdad.internal:4566", "AWS_LAMBDA_RUNTIME_API": "evil"},
		Vars: map[string]string{"AWS_ENDPOINT_URL": "http://mine:1"},
	}))
	for k, want := range map[string]string{
		"AWS_ENDPOINT_URL_LAMBDA": "http://host.lambdad.internal:9000",
		"AWS_ENDPOINT_URL":        "http://mine:1",
		"AWS_LAMBDA_RUNTIME_API":  "127.0.0.1:9001",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

// An image's ENV sits between Lambda's unreserved defaults and the
// function's own variables; reserved names stay Lambda's.
func TestEnvironmentImage(t *testing.T) {
	got := envMap(Environment(EnvRequest{
		Name: "img", MemoryMB: 128,
		ImageEnv: []string{"PATH=/var/lang/bin:/usr/bin", "LANG=C.UTF-8", "GREETING=image", "ONLY_IMAGE=1",
			"AWS_REGION=mars-1", "LAMBDA_TASK_ROOT=/app", "NOEQUALS", "=empty"},
		Vars: map[string]string{"GREETING": "function"},
	}))
	for k, want := range map[string]string{
		"PATH":             "/var/lang/bin:/usr/bin",
		"LANG":             "C.UTF-8",
		"LD_LIBRARY_PATH":  LibraryPath,
		"GREETING":         "function",
		"ONLY_IMAGE":       "1",
		"AWS_REGION":       "us-east-1",
		"LAMBDA_TASK_ROOT": "/var/task",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if v, ok := got["_HANDLER"]; ok {
		t.Errorf("_HANDLER=%q is set for a function without a Handler (an image's entrypoint sets it)", v)
	}
	if _, ok := got["NOEQUALS"]; ok {
		t.Error("an ENV entry without '=' was kept")
	}
}

func TestBaseImage(t *testing.T) {
	for rt, want := range map[string]string{
		"python3.12":      "public.ecr.aws/lambda/python:3.12",
		"nodejs22.x":      "public.ecr.aws/lambda/nodejs:22",
		"java21":          "public.ecr.aws/lambda/java:21",
		"java8.al2":       "public.ecr.aws/lambda/java:8.al2",
		"ruby3.3":         "public.ecr.aws/lambda/ruby:3.3",
		"dotnet8":         "public.ecr.aws/lambda/dotnet:8",
		"provided.al2023": "public.ecr.aws/lambda/provided:al2023",
		"provided":        "",
		"go1.x":           "",
	} {
		if got := BaseImage(rt); got != want {
			t.Errorf("BaseImage(%q) = %q, want %q", rt, got, want)
		}
	}
}

func TestImageOnlyFamilies(t *testing.T) {
	for rt, want := range map[string]*Family{
		"java21": Java, "java8.al2": Java, "java17": Java, "java": nil, "java021": nil, "java21.al2023": nil,
		"ruby3.3": Ruby, "ruby3.4": Ruby, "ruby3": nil, "ruby3.3.1": nil,
		"dotnet8": Dotnet, "dotnet": nil, "dotnetcore3.1": nil,
	} {
		if got := FamilyOf(rt); got != want {
			t.Errorf("FamilyOf(%q) = %v, want %v", rt, got, want)
		}
	}
	for _, f := range []*Family{Java, Ruby, Dotnet} {
		if f.Base != "" || BaseImage(f.DefaultRuntime) == "" {
			t.Errorf("%s: Base %q, base image %q: want an image-only family", f.Name, f.Base, BaseImage(f.DefaultRuntime))
		}
	}
}
