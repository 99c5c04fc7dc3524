package main

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsStdlibOnly enforces that what runs inside sandboxes imports
// nothing of the daemon and nothing outside the standard library (which
// itself imports nothing else).
func TestImportsStdlibOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range append(pkg.Imports, pkg.TestImports...) {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("runtime/init imports %s; it may import only the standard library", imp)
		}
	}
}
