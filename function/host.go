package function

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// HostInterpreter is a family's interpreter on the host: what a function of
// the family really runs on when it runs on the host tree.
type HostInterpreter struct {
	Path    string // /usr/bin/node
	Version string // as it reports itself: v20.20.2, 3.11.7
	Runtime string // the runtime of its release line: nodejs20.x, python3.11
	Err     error  // why it could not be asked (absent, say); then the rest is empty
}

// String is what runs, as lambdad says it in logs: "host node v20.20.2".
func (h HostInterpreter) String() string {
	base := h.Path[strings.LastIndexByte(h.Path, '/')+1:]
	if h.Version == "" {
		return "host " + base
	}
	return "host " + base + " " + h.Version
}

// HostInterpreters are the host's interpreters, by family name.
type HostInterpreters map[string]HostInterpreter

// probeTimeout bounds each interpreter's --version.
const probeTimeout = 10 * time.Second

// ProbeHost asks each family's interpreter on the host its version, once:
// `/usr/bin/python3 --version`, `/usr/bin/node --version`. The daemon and
// `lambdad run` call it at their start; it is the one thing in this package
// that starts a process. A family whose interpreter cannot be asked has Err
// set.
func ProbeHost(ctx context.Context) HostInterpreters {
	hosts := HostInterpreters{}
	for _, f := range Families {
		if f.Interpreter == "" {
			continue
		}
		h := HostInterpreter{Path: f.Interpreter}
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		out, err := exec.CommandContext(pctx, f.Interpreter, "--version").CombinedOutput()
		cancel()
		if err != nil {
			h.Err = fmt.Errorf("%s --version: %w", f.Interpreter, err)
		} else if h.Version, h.Runtime, err = f.hostVersion(strings.TrimSpace(string(out))); err != nil {
			h.Err = fmt.Errorf("%s --version: %w", f.Interpreter, err)
		}
		hosts[f.Name] = h
	}
	return hosts
}

// Loader loads functions for hosts' interpreters: a function without a
// Runtime takes the runtime of its family's host interpreter, and one that
// declares a release line other than the host's (nodejs22.x on node 20,
// python3.12 on 3.11) is refused unless AllowMismatch. The zero Loader
// checks nothing (LoadDir, LoadAll).
type Loader struct {
	Host          HostInterpreters // nil: no check
	AllowMismatch bool
	// OnImage, if set, tells whether a runtime's functions run on its base
	// image rather than on the host's interpreter: those are not checked
	// against the host.
	OnImage func(runtime string) bool
}

// LoadDir is LoadDir, checked against l.Host.
func (l Loader) LoadDir(dir string) (Config, error) { return l.loadDir(dir) }

// LoadAll is LoadAll, checked against l.Host.
func (l Loader) LoadAll(root string) (fns map[string]Config, errs map[string]error, err error) {
	return loadAll(root, l)
}

// defaultRuntime is the Runtime of f's code without one: the host
// interpreter's when l knows it.
func (l Loader) defaultRuntime(f *Family) string {
	if h, ok := l.Host[f.Name]; ok && h.Err == nil && h.Runtime != "" {
		return h.Runtime
	}
	return f.DefaultRuntime
}

// hostProblem checks c against its family's host interpreter and fills
// c.RunsOn; nil if c may run.
func (l Loader) hostProblem(c *Config) *FieldError {
	f := c.Family()
	if l.Host == nil || f == nil || f.Interpreter == "" || l.OnImage != nil && l.OnImage(c.Runtime) {
		return nil
	}
	h, ok := l.Host[f.Name]
	switch {
	case !ok:
		return nil
	case h.Err != nil:
		return &FieldError{Field: "Runtime", Msg: fmt.Sprintf("%q runs on the host's %s, which cannot be run: %v", c.Runtime, f.Interpreter, h.Err)}
	case f.line(c.Runtime) != f.line(h.Runtime) && !l.AllowMismatch:
		return &FieldError{Field: "Runtime", Msg: fmt.Sprintf("%q declared, but the host's %s is %s (%s): declare %s, leave Runtime out, or run lambdad with --allow-runtime-mismatch",
			c.Runtime, f.Interpreter, h.Version, h.Runtime, h.Runtime)}
	}
	c.RunsOn = h.String()
	if c.Runtime != h.Runtime {
		c.RunsOn += " (declared " + c.Runtime + ")"
	}
	return nil
}
