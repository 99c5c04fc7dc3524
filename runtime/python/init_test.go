package python

import (
	"strings"
	"testing"
)

func TestInitErrors(t *testing.T) {
	tests := []struct {
		name      string
		handler   string
		src       string // handler.py
		errorType string
		message   string // errorMessage prefix
	}{{
		name:      "import error",
		handler:   "handler.handler",
		src:       "import nonexistent_module_xyz\n",
		errorType: "Runtime.ImportModuleError",
		message:   "Unable to import module 'handler': No module named 'nonexistent_module_xyz'",
	}, {
		name:      "missing module",
		handler:   "nosuch.handler",
		errorType: "Runtime.ImportModuleError",
		message:   "Unable to import module 'nosuch': No module named 'nosuch'",
	}, {
		name:      "missing function",
		handler:   "handler.nope",
		src:       "def handler(e, c): pass\n",
		errorType: "Runtime.HandlerNotFound",
		message:   "Handler 'nope' missing on module 'handler'",
	}, {
		name:      "syntax error",
		handler:   "handler.handler",
		src:       "def handler(e, c)\n    pass\n",
		errorType: "Runtime.UserCodeSyntaxError",
		message:   "Syntax error in module 'handler': ",
	}, {
		name:      "malformed name",
		handler:   "handler",
		errorType: "Runtime.MalformedHandlerName",
		message:   "Bad handler 'handler': ",
	}, {
		name:      "built-in module",
		handler:   "sys.exit",
		errorType: "Runtime.BuiltInModuleConflict",
		message:   "Cannot use built-in module sys as a handler module",
	}, {
		// As AWS's runtime does: the exception's own type and message.
		name:      "exception at import",
		handler:   "handler.handler",
		src:       "raise RuntimeError('no config')\n",
		errorType: "RuntimeError",
		message:   "no config",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			files := map[string]string{}
			if tt.src != "" {
				files["handler.py"] = tt.src
			}
			rt := startRuntime(t, api, tt.handler, files)
			p := api.WaitPost(t)
			d := decodeError(t, p)
			if p.Path != "/2018-06-01/runtime/init/error" || p.ErrorType != tt.errorType ||
				d.ErrorType != tt.errorType || !strings.HasPrefix(d.ErrorMessage, tt.message) {
				t.Errorf("POST %s (error type header %q) %s, want %s %q", p.Path, p.ErrorType, p.Body, tt.errorType, tt.message)
			}
			if d.StackTrace == nil {
				t.Errorf("stackTrace missing in %s", p.Body)
			}
			if code := rt.WaitExit(t); code == 0 {
				t.Errorf("runtime exited 0 after an init error")
			}
		})
	}
}
