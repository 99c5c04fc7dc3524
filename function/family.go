package function

import (
	"fmt"
	"io/fs"
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
	// Interpreter is the host's interpreter the family's functions run on
	// (Command's first word); "" for provided, which brings its own.
	Interpreter string
	// Env are variables the family's runtime sets unless the function does
	// (NODE_PATH); each value may hold {major}, the runtime's release line.
	Env map[string]string

	// hostVersion reads the interpreter's --version output: its version
	// and the runtime of its release line.
	hostVersion func(out string) (version, runtime string, err error)
	// line is a runtime's release line (python3.12 → 3.12, nodejs22.x → 22).
	line func(runtime string) string

	match func(runtime string) bool
	// detect tells whether code (a directory or a zip's contents) without
	// a Runtime setting is of this family.
	detect func(code fs.FS) bool
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
		detect: func(code fs.FS) bool { return exists(code, "bootstrap") },
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
		Interpreter:    "/usr/bin/python3",
		match:          isPythonRuntime,
		hostVersion:    pythonVersion,
		line:           func(rt string) string { return strings.TrimPrefix(rt, "python") },
		detect: func(code fs.FS) bool {
			fi, err := fs.Stat(code, "handler.py")
			return err == nil && fi.Mode().IsRegular()
		},
		handlerProblem: pythonHandlerProblem,
	}
	// NodeJS runs lambdad's Node.js runtime client (runtime/nodejs) on the
	// host's node, which loads Handler's module from the code; the AWS SDK
	// for JavaScript v3 is on NODE_PATH, as on Lambda.
	NodeJS = &Family{
		Name:           "nodejs",
		Runtimes:       "nodejsN.x",
		DefaultRuntime: "nodejs22.x",
		DefaultHandler: "index.handler",
		Base:           rootfs.Host,
		Command:        []string{"/usr/bin/node", lambda.LambdadDir + "/nodejs/index.mjs"},
		Managed:        true,
		Interpreter:    "/usr/bin/node",
		// Lambda's NODE_PATH, with lambdad's SDK tree for /var/runtime's.
		Env: map[string]string{"NODE_PATH": "/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:" +
			lambda.LambdadDir + "/nodejs-sdk/node_modules:" + lambda.RuntimeDir + "/node_modules:" + lambda.RuntimeDir + ":" + lambda.TaskDir},
		match: isNodeRuntime,
		detect: func(code fs.FS) bool {
			for _, name := range []string{"index.js", "index.mjs", "index.cjs"} {
				if fi, err := fs.Stat(code, name); err == nil && fi.Mode().IsRegular() {
					return true
				}
			}
			return false
		},
		hostVersion:    nodeVersion,
		line:           nodeMajor,
		handlerProblem: nodeHandlerProblem,
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
var Families = []*Family{Provided, Python, NodeJS, Java, Ruby, Dotnet}

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
	return ok && isSmallNumber(n)
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

// isNodeRuntime matches nodejsN.x, N in 1–99 without a leading zero: the
// managed runtimes nodejs16.x to nodejs22.x and later ones.
func isNodeRuntime(runtime string) bool {
	return nodeMajor(runtime) != ""
}

// nodeMajor is the N of nodejsN.x, or "".
func nodeMajor(runtime string) string {
	n, ok := strings.CutPrefix(runtime, "nodejs")
	n, x := strings.CutSuffix(n, ".x")
	if !ok || !x || !isSmallNumber(n) {
		return ""
	}
	return n
}

// isSmallNumber matches 1–99 without a leading zero.
func isSmallNumber(n string) bool {
	if len(n) == 0 || len(n) > 2 || n[0] == '0' {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// pythonVersion reads "Python 3.11.7".
func pythonVersion(out string) (version, runtime string, err error) {
	v, ok := strings.CutPrefix(out, "Python ")
	parts := strings.Split(v, ".")
	if !ok || len(parts) < 2 || parts[0] != "3" || !isPythonRuntime("python3."+parts[1]) {
		return "", "", fmt.Errorf("want Python 3.N.M, got %q", out)
	}
	return v, "python3." + parts[1], nil
}

// nodeVersion reads "v20.20.2".
func nodeVersion(out string) (version, runtime string, err error) {
	major, _, _ := strings.Cut(strings.TrimPrefix(out, "v"), ".")
	if !strings.HasPrefix(out, "v") || !isNodeRuntime("nodejs"+major+".x") {
		return "", "", fmt.Errorf("want vN.M.P, got %q", out)
	}
	return out, "nodejs" + major + ".x", nil
}

// nodeHandlerProblem checks [dir/]module.export, as AWS's Node.js runtime
// splits it: the last path element's first '.' parts module and export.
func nodeHandlerProblem(handler string) string {
	if strings.Contains(handler, "..") {
		return "'..' is not allowed in a Node.js handler"
	}
	base := handler[strings.LastIndexByte(handler, '/')+1:]
	module, export, ok := strings.Cut(base, ".")
	if !ok || module == "" || export == "" {
		return "want file.export or dir/file.export, e.g. index.handler"
	}
	return ""
}

func exists(code fs.FS, name string) bool {
	_, err := fs.Stat(code, name)
	return err == nil
}
