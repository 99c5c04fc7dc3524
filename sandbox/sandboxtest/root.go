// Package sandboxtest helps tests start real sandboxes: it requires root
// (mandatory when LAMBDAD_REQUIRE_ROOT=1), builds the in-sandbox init, makes
// busybox code directories, and proves that a destroyed sandbox left nothing.
package sandboxtest

import (
	"os"
	"path/filepath"
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

// TempDir is t.TempDir made searchable (0711) by other users, its parent
// too: sandboxes run in user namespaces whose root is an unprivileged host
// uid, and a sandbox's root tree must be reachable to it. Tests keep base
// trees (state directories) in one.
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
