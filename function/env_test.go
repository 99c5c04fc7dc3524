package function

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestEnvironment(t *testing.T) {
	env := Environment(EnvRequest{
		Name: "hello", MemoryMB: 256, Handler: "bootstrap",
		Vars: map[string]string{"GREETING": "hi", "AWS_REGION": "mars-1", "PATH": "/evil"},
		Now:  time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
	})
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	for k, want := range map[string]string{
		"GREETING":                        "hi",
		"AWS_REGION":                      "us-east-1", // reserved names win
		"PATH":                            Path,
		"AWS_LAMBDA_FUNCTION_NAME":        "hello",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_RUNTIME_API":          "127.0.0.1:9001",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/hello",
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
	if _, ok := got["AWS_LAMBDA_MAX_CONCURRENCY"]; ok {
		t.Error("AWS_LAMBDA_MAX_CONCURRENCY must never be set")
	}
}
