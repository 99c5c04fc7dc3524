package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	dir := t.TempDir()
	noExec := filepath.Join(dir, "noexec")
	noShebang := filepath.Join(dir, "noshebang")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noShebang, []byte("exit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string
		want   int
		stderr string // substring of init's one-line complaint; "" for none
	}{
		{"exit 0", []string{"--", "/bin/sh", "-c", "exit 0"}, 0, ""},
		{"exit 3", []string{"--", "/bin/sh", "-c", "exit 3"}, 3, ""},
		{"exit 255", []string{"--", "/bin/sh", "-c", "exit 255"}, 255, ""},
		{"SIGKILL", []string{"--", "sh", "-c", "kill -9 $$"}, 137, ""},
		{"SIGTERM", []string{"--", "sh", "-c", "kill -TERM $$"}, 143, ""},
		{"command flags", []string{"--", "sh", "-c", `[ "$1" = --hold ] && exit 5`, "sh", "--hold"}, 5, ""},
		{"no dashdash", []string{"/bin/sh", "-c", "exit 4"}, 4, ""},
		{"missing path", []string{"--", "/nonexistent/cmd"}, 127, "init: cannot start /nonexistent/cmd: no such file or directory"},
		{"missing in PATH", []string{"--", "lambdad-no-such-command"}, 127, "init: cannot start lambdad-no-such-command: executable file not found in $PATH"},
		{"not executable", []string{"--", noExec}, 126, "init: cannot start " + noExec + ": permission denied"},
		{"directory", []string{"--", dir}, 126, "init: cannot start " + dir + ": permission denied"},
		{"no shebang", []string{"--", noShebang}, 126, "exec format error"},
		{"no command", []string{"--"}, 2, "init: missing command"},
		{"no args", nil, 2, "init: missing command"},
		{"unknown flag", []string{"--bogus", "--", "true"}, 2, "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runInit(t, testEnv(), tt.args...)
			if code != tt.want {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.want, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want none", stdout)
			}
			switch {
			case tt.stderr == "" && stderr != "":
				t.Errorf("stderr %q, want none", stderr)
			case !strings.Contains(stderr, tt.stderr):
				t.Errorf("stderr %q, want it to contain %q", stderr, tt.stderr)
			case tt.want >= exitCannotExec && tt.stderr != "" && strings.Count(stderr, "\n") != 1:
				t.Errorf("stderr %q, want one line", stderr)
			}
		})
	}
}

func TestEnvironmentPassedThrough(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv("INIT_TEST_HELPER=env", "FOO=bar baz", "EMPTY=", "MULTI=a=b\nc", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001")
	code, stdout, stderr := runInit(t, env, "--", self)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if got := strings.Split(stdout, "\x00"); !slices.Equal(got, env) {
		t.Errorf("child environment\n%q\nwant\n%q", got, env)
	}
}
