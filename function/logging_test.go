package function

import (
	"slices"
	"strings"
	"testing"
)

func TestLoggingConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		l    LoggingConfig
		want string // a part of the error; "": valid
	}{
		{LoggingConfig{}, ""},
		{LoggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/other"}, ""},
		{LoggingConfig{LogFormat: "JSON"}, ""},
		{LoggingConfig{LogFormat: "JSON", ApplicationLogLevel: "TRACE", SystemLogLevel: "WARN"}, ""},
		{LoggingConfig{LogFormat: "json"}, `LoggingConfig.LogFormat: "json"`},
		{LoggingConfig{ApplicationLogLevel: "INFO"}, `LogLevel is not supported when LogFormat is set to "Text"`},
		{LoggingConfig{LogFormat: "Text", SystemLogLevel: "INFO"}, `LogLevel is not supported`},
		{LoggingConfig{LogFormat: "JSON", ApplicationLogLevel: "VERBOSE"}, `LoggingConfig.ApplicationLogLevel: "VERBOSE"`},
		{LoggingConfig{LogFormat: "JSON", SystemLogLevel: "ERROR"}, `LoggingConfig.SystemLogLevel: "ERROR"`},
		{LoggingConfig{LogGroup: "no spaces"}, `LoggingConfig.LogGroup`},
		{LoggingConfig{LogGroup: strings.Repeat("g", 513)}, `LoggingConfig.LogGroup`},
	} {
		c := Config{Name: "f", Runtime: "provided", Handler: "bootstrap", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, Logging: tc.l}
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.l, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want %q", tc.l, err, tc.want)
		}
	}
}

func TestLoggingConfigResolved(t *testing.T) {
	if got, want := (LoggingConfig{}).Resolved("f"), (LoggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/f"}); got != want {
		t.Errorf("Text: %+v, want %+v", got, want)
	}
	got := LoggingConfig{LogFormat: "JSON", SystemLogLevel: "WARN", LogGroup: "/g"}.Resolved("f")
	if want := (LoggingConfig{LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "WARN", LogGroup: "/g"}); got != want {
		t.Errorf("JSON: %+v, want %+v", got, want)
	}
	if got.SystemInfo() {
		t.Error("SystemLogLevel WARN logs START, END and REPORT")
	}
}

// In JSON, the runtime is told the format and the level; the log group is
// LoggingConfig's.
func TestEnvironmentLogging(t *testing.T) {
	env := Environment(EnvRequest{Name: "f", MemoryMB: 128, Logging: LoggingConfig{LogFormat: "JSON", ApplicationLogLevel: "WARN", LogGroup: "/g"}})
	for _, want := range []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=WARN", "AWS_LAMBDA_LOG_GROUP_NAME=/g"} {
		if !slices.Contains(env, want) {
			t.Errorf("environment lacks %s: %q", want, env)
		}
	}
	env = Environment(EnvRequest{Name: "f", MemoryMB: 128})
	for _, v := range env {
		if strings.HasPrefix(v, "AWS_LAMBDA_LOG_FORMAT=") || strings.HasPrefix(v, "AWS_LAMBDA_LOG_LEVEL=") {
			t.Errorf("a Text function's environment has %s", v)
		}
	}
	if !slices.Contains(env, "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/f") {
		t.Errorf("environment lacks the default log group: %q", env)
	}
}
