package deps

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/lambdad/lambdad"

// rule is what one package may import: the module's packages it names, and
// outside the standard library only paths with the prefixes it names.
type rule struct {
	module  []string
	foreign []string
}

// rules is every package of the module, from the leaves up. A package not
// in it fails the test: a new package is placed here on purpose.
var rules = map[string]rule{
	// Leaves: plain data and the engine's pieces.
	"lambda":   {},
	"rootfs":   {module: []string{"lambda"}, foreign: []string{"golang.org/x/sys/"}},
	"function": {module: []string{"lambda", "rootfs"}},
	// Container images, unpacked into the rootfs store.
	"rootfs/image": {module: []string{"lambda", "rootfs"},
		foreign: []string{"github.com/google/go-containerregistry/", "github.com/klauspost/compress/", "golang.org/x/sync/errgroup", "golang.org/x/sys/"}},
	"runtimeapi": {module: []string{"lambda", "telemetry"}},
	// A sandbox's Telemetry and Logs APIs: subscriptions and delivery.
	"telemetry": {module: []string{"lambda"}},
	"sigv4":     {},
	"host":      {foreign: []string{"golang.org/x/sys/", "github.com/moby/sys/mountinfo"}},
	// Sandboxes' seccomp filters, compiled in Go from Docker's profiles.
	"seccomp": {foreign: []string{"github.com/moby/profiles/seccomp", "github.com/opencontainers/runtime-spec/", "golang.org/x/sys/"}},
	// The sandboxes' network: the only importer of nftables.
	"network": {module: []string{"rootfs"},
		foreign: []string{"github.com/google/nftables", "github.com/vishvananda/netlink", "github.com/vishvananda/netns", "golang.org/x/sys/"}},
	// The only package that imports libcontainer.
	"sandbox": {module: []string{"lambda", "rootfs", "seccomp"},
		foreign: []string{"github.com/opencontainers/", "github.com/vishvananda/netlink", "golang.org/x/sys/"}},
	// The control plane's store of functions (bbolt), a template's
	// functions (YAML), a directory's changes (fsnotify).
	"catalog": {module: []string{"function", "internal/boltschema"}, foreign: []string{"go.etcd.io/bbolt"}},
	"asyncq":  {module: []string{"scheduler", "function", "lambda", "internal/boltschema"}, foreign: []string{"go.etcd.io/bbolt"}},
	// The format check of lambdad's bbolt databases.
	"internal/boltschema": {foreign: []string{"go.etcd.io/bbolt"}},
	"template":            {module: []string{"function"}, foreign: []string{"go.yaml.in/yaml/v3"}},
	"watch":               {foreign: []string{"github.com/fsnotify/fsnotify"}},
	// The policy: its own words, no engine.
	"scheduler": {module: []string{"lambda", "function"}},
	// The adapter between the policy and the engine.
	"launcher":  {module: []string{"lambda", "function", "rootfs", "runtimeapi", "sandbox", "scheduler", "seccomp", "telemetry"}},
	"invokeapi": {module: []string{"lambda", "function", "catalog", "scheduler", "sigv4"}},
	// Prometheus metrics: a scheduler.Observer; its own exposition, the
	// standard library only (see TestNoPrometheusLibrary).
	"metrics": {module: []string{"lambda", "scheduler"}},
	// Function URLs' HTTP edge: its own words, no catalog or scheduler.
	"funcurl": {module: []string{"lambda", "function"}},
	// Functions' logs on disk: written by the daemon, read by lambdad logs.
	"funclog": {},
	"daemon": {module: []string{"lambda", "function", "rootfs", "sandbox", "runtimeapi", "scheduler",
		"launcher", "invokeapi", "funcurl", "metrics", "host", "network", "sigv4", "seccomp", "rootfs/image", "catalog", "template", "watch", "telemetry", "funclog", "asyncq"}},
	"cmd/lambdad": {module: []string{"lambda", "function", "rootfs", "rootfs/image", "sandbox", "runtimeapi", "scheduler", "invokeapi", "launcher", "daemon", "host", "network", "sigv4", "seccomp", "template", "funclog"},
		foreign: []string{"github.com/urfave/cli/"}},
	// What runs inside sandboxes: the standard library only.
	"runtime/init":   {},
	"runtime/python": {},
	"runtime/nodejs": {},
	// The fake Runtime API both runtime clients' tests drive them with.
	"runtime/runtimetest": {module: []string{"internal/testkit"}},
	// Tests' helpers, and programs that are not the daemon.
	"internal/testkit":         {},
	"internal/testimage":       {foreign: []string{"github.com/google/go-containerregistry/"}},
	"internal/deps":            {},
	"sandbox/sandboxtest":      {},
	"network/networktest":      {foreign: []string{"github.com/google/nftables", "github.com/vishvananda/netlink", "golang.org/x/sys/"}},
	"bench":                    {module: []string{"internal/testimage"}, foreign: []string{"github.com/google/go-containerregistry/"}},
	"bench/fn":                 {foreign: []string{"github.com/aws/aws-lambda-go/"}},
	"examples/go/echo":         {foreign: []string{"github.com/aws/aws-lambda-go/"}},
	"internal/testfn/netfn":    {foreign: []string{"github.com/aws/aws-lambda-go/", "github.com/aws/aws-sdk-go-v2"}},
	"internal/testfn/escapefn": {foreign: []string{"golang.org/x/sys/"}},
	"internal/testfn/extfn":    {},
}

// testHelpers may be imported by any package's tests.
var testHelpers = []string{"internal/testkit", "internal/testimage", "sandbox/sandboxtest", "network/networktest"}

type pkg struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

func list(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
}

func isStd(path string) bool { return !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") }

// TestDependencyDirection checks every package's imports against rules.
// Tests may also use the test helpers; those of runtime/ nothing else, and
// the scheduler's tests not the engine, so that they run without root.
func TestDependencyDirection(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("needs the go command to list the packages")
	}
	pkgs := list(t, module+"/...")
	if len(pkgs) < len(rules) {
		t.Fatalf("go list saw %d packages, the rules name %d", len(pkgs), len(rules))
	}
	for _, p := range pkgs {
		name := strings.TrimPrefix(p.ImportPath, module+"/")
		r, ok := rules[name]
		if !ok {
			t.Errorf("%s is not in the dependency rules: add it to internal/deps", name)
			continue
		}
		check := func(imports []string, extra []string, what string) {
			for _, imp := range imports {
				switch {
				case isStd(imp):
				case strings.HasPrefix(imp, module+"/"):
					dep := strings.TrimPrefix(imp, module+"/")
					if !slices.Contains(r.module, dep) && !slices.Contains(extra, dep) {
						t.Errorf("%s%s imports %s: not allowed (allowed: %v)", name, what, dep, append(r.module, extra...))
					}
				case !slices.ContainsFunc(r.foreign, func(prefix string) bool { return strings.HasPrefix(imp, prefix) }):
					t.Errorf("%s%s imports %s: only %v outside the standard library", name, what, imp, r.foreign)
				}
			}
		}
		check(p.Imports, nil, "")
		tests := append(p.TestImports, p.XTestImports...)
		switch {
		case strings.HasPrefix(name, "runtime/"):
			check(tests, []string{"internal/testkit", "runtime/runtimetest"}, " (tests)")
		case name == "scheduler":
			check(tests, []string{"internal/testkit"}, " (tests)")
		}
		for _, imp := range tests {
			if dep := strings.TrimPrefix(imp, module+"/"); dep != imp && !slices.Contains(testHelpers, dep) &&
				dep != name && !slices.Contains(r.module, dep) && !rulesBelow(name, dep) {
				t.Errorf("%s (tests) imports %s, which depends on it", name, dep)
			}
		}
	}
}

// rulesBelow tells whether dep's rules do not import name, directly or
// through others: a test of name may use a package that does not depend on
// name (sandbox's tests use host, cmd/lambdad's the engine).
func rulesBelow(name, dep string) bool {
	seen := map[string]bool{}
	var reaches func(p string) bool
	reaches = func(p string) bool {
		if p == name {
			return true
		}
		if seen[p] {
			return false
		}
		seen[p] = true
		return slices.ContainsFunc(rules[p].module, reaches)
	}
	return !reaches(dep)
}

// TestSchedulerHasNoEngine: the policy compiles without the engine, not
// even through another package.
func TestSchedulerHasNoEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"/scheduler").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/opencontainers/") || dep == module+"/runtimeapi" || dep == module+"/sandbox" {
			t.Errorf("scheduler depends on %s", dep)
		}
	}
}

// TestPolicyHasNoMetrics: the scheduler and the launcher tell an Observer
// in their own words, not knowing of package metrics.
func TestPolicyHasNoMetrics(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"/scheduler", module+"/launcher").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == module+"/metrics" {
			t.Errorf("scheduler or launcher depends on %s", dep)
		}
	}
}

// TestNoPrometheusLibrary: lambdad links no Prometheus library. The binary
// is each sandbox's init too (libcontainer re-executes it), and Go runs
// every linked package's initialisers first: client_golang's cost every
// sandbox start about 2 ms (docs/architecture.md, "Metrics").
func TestNoPrometheusLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", module+"/cmd/lambdad").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/prometheus/") {
			t.Errorf("cmd/lambdad depends on %s", dep)
		}
	}
}
