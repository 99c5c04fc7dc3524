package python

import (
	"path/filepath"
	"testing"

	"github.com/lambdad/lambdad/runtime/runtimetest"
)

// The fake Runtime API and the runtime process are runtimetest's, shared
// with the Node.js client's tests.
type (
	event   = runtimetest.Event
	post    = runtimetest.Post
	fakeAPI = runtimetest.FakeAPI
)

const (
	waitLimit = runtimetest.WaitLimit
	testARN   = runtimetest.ARN
)

var (
	newFakeAPI = runtimetest.NewFakeAPI
	waitOutput = runtimetest.WaitOutput
)

// python is the interpreter the tests run, the host's unless LAMBDAD_PYTHON
// names another.
func python(t testing.TB) string {
	return runtimetest.Interpreter(t, "LAMBDAD_PYTHON", "/usr/bin/python3", "the Python runtime client")
}

// startRuntime writes files into a fresh task root and starts bootstrap.py
// there with handler as _HANDLER, against api.
func startRuntime(t testing.TB, api *fakeAPI, handler string, files map[string]string) *runtimetest.Proc {
	t.Helper()
	bootstrap, err := filepath.Abs("bootstrap.py")
	if err != nil {
		t.Fatal(err)
	}
	return runtimetest.Start(t, api, []string{python(t), bootstrap}, handler, files, func(string) []string {
		return []string{"PYTHONDONTWRITEBYTECODE=1"} // keep __pycache__ out of the source tree
	})
}
