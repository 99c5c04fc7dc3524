package daemon

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/function"
)

// Provisioned concurrency is given in the catalog's order while it fits what
// --max-sandboxes and --memory-budget leave once a tenth of each is set
// aside for on-demand invokes; a function that does not fit runs on demand
// only, with an error naming it, the numbers and the flag.
func TestAllotProvisioned(t *testing.T) {
	fn := func(name string, provisioned, memoryMB int) function.Config {
		return function.Config{Name: name, MemorySize: memoryMB, ProvisionedConcurrency: provisioned}
	}
	for _, tc := range []struct {
		name         string
		fns          []function.Config
		maxSandboxes int
		budgetMB     int
		want         map[string]int // ProvisionedConcurrency after allotment
		refused      map[string][]string
	}{
		{"fits", []function.Config{fn("a", 2, 128), fn("b", 3, 256)}, 256, 65536,
			map[string]int{"a": 2, "b": 3}, nil},
		{"no limits", []function.Config{fn("a", 1000, 10240)}, 0, 0, map[string]int{"a": 1000}, nil},
		{"100000 over --max-sandboxes", []function.Config{fn("a", 1, 128), fn("big", 100000, 128), fn("c", 4, 128)}, 256, 0,
			map[string]int{"a": 1, "big": 0, "c": 4},
			map[string][]string{"big": {"function big", "ProvisionedConcurrency 100000", "230 sandboxes", "--max-sandboxes 256", "10%"}}},
		{"on-demand room kept: 256 leaves 231", []function.Config{fn("a", 231, 128), fn("b", 1, 128)}, 256, 0,
			map[string]int{"a": 231, "b": 0}, map[string][]string{"b": {"function b", "0 sandboxes of --max-sandboxes 256"}}},
		{"one sandbox is left for on demand", []function.Config{fn("a", 1, 128), fn("b", 1, 128)}, 2, 0,
			map[string]int{"a": 1, "b": 0}, map[string][]string{"b": {"--max-sandboxes 2"}}},
		{"over --memory-budget", []function.Config{fn("a", 4, 1024), fn("b", 4, 1024)}, 256, 8192,
			map[string]int{"a": 4, "b": 0},
			map[string][]string{"b": {"function b", "ProvisionedConcurrency 4 × MemorySize 1024 MB", "3277 MB of --memory-budget 8192 MB"}}},
		{"memory product would overflow", []function.Config{fn("a", 1<<62, 10240)}, 0, 65536,
			map[string]int{"a": 0}, map[string][]string{"a": {"--memory-budget 65536 MB"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit, refused := allotProvisioned(tc.fns, tc.maxSandboxes, tc.budgetMB, slog.New(slog.DiscardHandler))
			got := map[string]int{}
			for _, f := range fit {
				got[f.Name] = f.ProvisionedConcurrency
			}
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("%s: ProvisionedConcurrency %d, want %d", name, got[name], want)
				}
			}
			if len(refused) != len(tc.refused) {
				t.Errorf("refused %v, want %d functions", refused, len(tc.refused))
			}
			for name, parts := range tc.refused {
				err := refused[name]
				if !errors.Is(err, ErrProvisionedDoesNotFit) {
					t.Errorf("%s: %v, want ErrProvisionedDoesNotFit", name, err)
					continue
				}
				for _, part := range parts {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("%s: %q lacks %q", name, err, part)
					}
				}
			}
			var provisioned int
			for _, f := range fit {
				provisioned += f.ProvisionedConcurrency
			}
			if tc.maxSandboxes > 0 && provisioned >= tc.maxSandboxes {
				t.Errorf("%d provisioned sandboxes leave no room under --max-sandboxes %d", provisioned, tc.maxSandboxes)
			}
		})
	}
}
