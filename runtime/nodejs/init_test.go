package nodejs

import (
	"strings"
	"testing"
)

func TestInitErrors(t *testing.T) {
	tests := []struct {
		name      string
		handler   string
		files     map[string]string
		errorType string
		message   string // errorMessage prefix
	}{{
		name:      "missing module",
		handler:   "nosuch.handler",
		errorType: "Runtime.ImportModuleError",
		message:   "Error: Cannot find module 'nosuch'",
	}, {
		name:      "missing dependency of a CommonJS module",
		handler:   "index.handler",
		files:     map[string]string{"index.js": "require('nonexistent-package-xyz');\n"},
		errorType: "Runtime.ImportModuleError",
		message:   "Error: Cannot find module 'nonexistent-package-xyz'",
	}, {
		name:      "missing dependency of an ES module",
		handler:   "index.handler",
		files:     map[string]string{"index.mjs": "import x from 'nonexistent-package-xyz';\nexport const handler = x;\n"},
		errorType: "Runtime.ImportModuleError",
		message:   "Error: Cannot find package 'nonexistent-package-xyz'",
	}, {
		name:      "missing export",
		handler:   "index.nope",
		files:     map[string]string{"index.js": "exports.handler = async () => 1;\n"},
		errorType: "Runtime.HandlerNotFound",
		message:   "index.nope is undefined or not exported",
	}, {
		name:      "not a function",
		handler:   "index.handler",
		files:     map[string]string{"index.js": "exports.handler = 42;\n"},
		errorType: "Runtime.HandlerNotFound",
		message:   "index.handler is not a function",
	}, {
		name:      "syntax error in CommonJS",
		handler:   "index.handler",
		files:     map[string]string{"index.js": "exports.handler = async () => {\n"},
		errorType: "Runtime.UserCodeSyntaxError",
		message:   "SyntaxError: ",
	}, {
		name:      "syntax error in an ES module",
		handler:   "index.handler",
		files:     map[string]string{"index.mjs": "export const handler = ;\n"},
		errorType: "Runtime.UserCodeSyntaxError",
		message:   "SyntaxError: ",
	}, {
		name:    "streaming mark other than a response stream",
		handler: "index.handler",
		files: map[string]string{"index.js": `
exports.handler = async () => 1;
exports.handler[Symbol.for("aws.lambda.runtime.handler.streaming")] = "request";
`},
		errorType: "Runtime.MalformedStreamingHandler",
		message:   "Only response streaming is supported.",
	}, {
		name:      "malformed name",
		handler:   "index",
		errorType: "Runtime.MalformedHandlerName",
		message:   "Bad handler",
	}, {
		name:      "parent directory",
		handler:   "../etc/index.handler",
		errorType: "Runtime.MalformedHandlerName",
		message:   "'..' is not allowed in handler name",
	}, {
		// As AWS's runtime does: the exception's own type and message.
		name:      "exception at load",
		handler:   "index.handler",
		files:     map[string]string{"index.js": "throw new RangeError('no config');\n"},
		errorType: "RangeError",
		message:   "no config",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			rt := startRuntime(t, api, tt.handler, tt.files)
			p := api.WaitPost(t)
			d := decodeError(t, p)
			if p.Path != "/2018-06-01/runtime/init/error" || p.ErrorType != tt.errorType ||
				d.ErrorType != tt.errorType || !strings.HasPrefix(d.ErrorMessage, tt.message) {
				t.Errorf("POST %s (error type header %q) %s, want %s %q", p.Path, p.ErrorType, p.Body, tt.errorType, tt.message)
			}
			if d.Trace == nil {
				t.Errorf("trace missing in %s", p.Body)
			}
			waitOutput(t, rt.Stderr.String, "\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\""+tt.errorType+"\"")
			if code := rt.WaitExit(t); code == 0 {
				t.Errorf("runtime exited 0 after an init error")
			}
		})
	}
}
