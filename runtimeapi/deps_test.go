package runtimeapi

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly: the package itself imports only the standard
// library (DESIGN.md); its tests may run real runtime clients.
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Skipf("SKIP: go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			t.Errorf("runtimeapi imports %s: standard library only", imp)
		}
	}
}
