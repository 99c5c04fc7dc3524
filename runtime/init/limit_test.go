package main

import (
	"strings"
	"testing"
)

func TestNofileLimitsTheCommand(t *testing.T) {
	code, out, errOut := runInit(t, testEnv(), "--nofile", "77", "--", "sh", "-c", "ulimit -Sn; ulimit -Hn")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := strings.Fields(out); len(got) != 2 || got[0] != "77" || got[1] != "77" {
		t.Errorf("soft and hard open-file limits %q, want 77 77", got)
	}
}
