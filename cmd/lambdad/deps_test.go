package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps libcontainer behind package sandbox and the
// in-sandbox code free of the daemon (DESIGN.md, STYLE.md 19).
func TestDependencyDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("SKIPPED: needs the go command to list the packages")
	}
	cmd := exec.Command("go", "list", "-json", "github.com/lambdad/lambdad/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/lambdad/lambdad"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/opencontainers/") && p.ImportPath != module+"/sandbox" {
				t.Errorf("%s imports %s: only package sandbox may use libcontainer", p.ImportPath, imp)
			}
			if strings.HasPrefix(p.ImportPath, module+"/runtime/") && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				t.Errorf("%s imports %s: code that runs inside sandboxes uses only the standard library", p.ImportPath, imp)
			}
		}
	}
	if seen < 5 {
		t.Fatalf("go list saw only %d packages", seen)
	}
}
