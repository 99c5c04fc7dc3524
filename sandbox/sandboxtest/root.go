// Package sandboxtest helps tests start real sandboxes: it requires root
// (mandatory when LAMBDAD_REQUIRE_ROOT=1), builds the in-sandbox init, makes
// busybox code directories, and proves that a destroyed sandbox left nothing.
package sandboxtest

import (
	"os"
	"testing"
)

// RequireRootEnv names the variable that turns a missing-root skip into a
// failure; CI sets it, so a green run always includes the root tests.
const RequireRootEnv = "LAMBDAD_REQUIRE_ROOT"

// RequireRoot skips t, loudly, unless the test runs as root; with
// LAMBDAD_REQUIRE_ROOT=1 it fails instead.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv(RequireRootEnv) == "1" {
		t.Fatalf("this test starts real sandboxes and needs root, and %s=1 makes it mandatory", RequireRootEnv)
	}
	t.Skipf("SKIPPED: this test starts real sandboxes and needs root (run as root; CI sets %s=1 to make it mandatory)", RequireRootEnv)
}
