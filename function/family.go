package function

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
)

// Family is a kind of runtime: the base tree its functions run on, the
// command lambdad's in-sandbox init starts, and what its Handler looks
// like. Families is the table; a runtime lambdad learns is a row in it.
// The values are shared: read them, never change them.
type Family struct {
	Name string
	// Runtimes names the Runtime values the family takes, for messages.
	Runtimes string
	// DefaultRuntime is the Runtime given to code this family's detect
	// recognises when no function.json names one.
	DefaultRuntime string
	// DefaultHandler is the Handler when function.json gives none.
	DefaultHandler string
	// Base is the rootfs base tree the sandbox's root is (rootfs.Store.Base)
	// when the runtime's base image is not used; "" for a family that runs
	// only on its base image (function.BaseImage).
	Base string
	// Command is what the in-sandbox init starts: the runtime, which reads
	// Handler from _HANDLER.
	Command []string
	// Managed families are AWS's managed runtimes: AWS_EXECUTION_ENV is
	// AWS_Lambda_<Runtime> (unset for provided).
	Managed bool

	match func(runtime string) bool
	// detect tells whether a code directory without a Runtime setting is
	// of this family.
	detect func(dir string) bool
	// handlerProblem checks a Handler beyond the rules every family
	// shares; "" if fine.
	handlerProblem func(handler string) string
}

// The families lambdad runs.
var (
	// Provided runs the code's own executable bootstrap (Go, Rust, a
	// script with its interpreter in the code) on a minimal tree.
	Provided = &Family{
		Name:           "provided",
		Runtimes:       "provided, provided.al2, provided.al2023",
		DefaultRuntime: "provided.al2023",
		DefaultHandler: "bootstrap",
		Base:           rootfs.Provided,
		Command:        []string{lambda.BootstrapPaths[0]},
		match: func(rt string) bool {
			return rt == "provided" || rt == "provided.al2" || rt == "provided.al2023"
		},
		// Any file named bootstrap: one that cannot run is reported by
		// LoadDir, not taken for another family's code.
		detect: func(dir string) bool { return exists(filepath.Join(dir, "bootstrap")) },
	}
	// Python runs lambdad's Python runtime client (runtime/python) on the
	// host's python3, which imports Handler's module from the code.
	Python = &Family{
		Name:           "python",
		Runtimes:       "python3.N",
		DefaultRuntime: "python3.12",
		DefaultHandler: defaultPythonHandler,
		Base:           rootfs.Host,
		Command:        []string{"/usr/bin/python3", "-u", lambda.LambdadDir + "/python/bootstrap.py"},
		Managed:        true,
		match:          isPythonRuntime,
		detect: func(dir string) bool {
			fi, err := os.Stat(filepath.Join(dir, "handler.py"))
			return err == nil && fi.Mode().IsRegular()
		},
		handlerProblem: pythonHandlerProblem,
	}
)

// The families that run only on AWS's base image of their runtime: lambdad
// has no runtime client of its own for them.
var (
	Java = &Family{
		Name: "java", Runtimes: "javaN (java21, java17, java11, java8.al2)", DefaultRuntime: "java21", Managed: true,
		match: func(rt string) bool { return versioned(rt, "java", "", "", ".al2") },
	}
	Ruby = &Family{
		Name: "ruby", Runtimes: "rubyN.N (ruby3.3, ruby3.4)", DefaultRuntime: "ruby3.3", Managed: true,
		match: func(rt string) bool { return versioned(rt, "ruby", ".", "", "") },
	}
	Dotnet = &Family{
		Name: "dotnet", Runtimes: "dotnetN (dotnet8)", DefaultRuntime: "dotnet8", Managed: true,
		match: func(rt string) bool { return versioned(rt, "dotnet", "", "", "") },
	}
)

// Families is every family, in the order code is looked at when a
// function's Runtime is inferred.
var Families = []*Family{Provided, Python, Java, Ruby, Dotnet}

// versioned matches prefix, digits, then (if sep) sep and digits, then
// suffix, or else optSuffix, or nothing: ruby3.3, java21, java8.al2.
func versioned(rt, prefix, sep, suffix, optSuffix string) bool {
	rest, ok := strings.CutPrefix(rt, prefix)
	if !ok {
		return false
	}
	// digits takes a number of 1–3 digits without a leading zero.
	digits := func(s string) (string, bool) {
		i := 0
		for i < len(s) && i < 3 && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return s[i:], i == 1 || i > 1 && s[0] != '0'
	}
	if rest, ok = digits(rest); !ok {
		return false
	}
	if sep != "" {
		if rest, ok = strings.CutPrefix(rest, sep); !ok {
			return false
		}
		if rest, ok = digits(rest); !ok {
			return false
		}
	}
	return rest == suffix || (optSuffix != "" && rest == optSuffix)
}

// FamilyOf is the family of runtime, or nil for a runtime lambdad does not
// run.
func FamilyOf(runtime string) *Family {
	for _, f := range Families {
		if f.match(runtime) {
			return f
		}
	}
	return nil
}

// supportedRuntimes lists every family's runtimes, for messages.
func supportedRuntimes() string {
	names := make([]string, len(Families))
	for i, f := range Families {
		names[i] = f.Runtimes
	}
	return strings.Join(names, ", ")
}

// defaultPythonHandler is handler.py's function handler.
const defaultPythonHandler = "handler.handler"

// isPythonRuntime matches python3.N, N in 1–99 without a leading zero: the
// managed runtimes python3.8 to python3.13 and later ones.
func isPythonRuntime(runtime string) bool {
	n, ok := strings.CutPrefix(runtime, "python3.")
	if !ok || len(n) == 0 || len(n) > 2 || n[0] == '0' {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// pythonHandlerProblem checks module.function, where the module path may
// name subpackages with / or . (pkg/mod.fn, pkg.mod.fn) and no part is
// empty.
func pythonHandlerProblem(handler string) string {
	dot := strings.LastIndexByte(handler, '.')
	if dot < 0 {
		return "want module.function, e.g. " + defaultPythonHandler
	}
	module, fn := handler[:dot], handler[dot+1:]
	if fn == "" {
		return "empty function name after the last '.'"
	}
	for part := range strings.SplitSeq(strings.ReplaceAll(module, "/", "."), ".") {
		if part == "" {
			return "empty part in the module path (want module.function, pkg/mod.function or pkg.mod.function)"
		}
	}
	return ""
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
