package nodejs

import (
	"path/filepath"
	"testing"

	"github.com/lambdad/lambdad/runtime/runtimetest"
)

// The fake Runtime API and the runtime process are runtimetest's, shared
// with the Python client's tests.
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

// node is the interpreter the tests run, the host's unless LAMBDAD_NODE
// names another.
func node(t testing.TB) string {
	return runtimetest.Interpreter(t, "LAMBDAD_NODE", "/usr/bin/node", "the Node.js runtime client")
}

// startRuntime writes files into a fresh task root and starts index.mjs
// there with handler as _HANDLER, against api; the root's layer/node_modules
// and the root itself are its NODE_PATH.
func startRuntime(t testing.TB, api *fakeAPI, handler string, files map[string]string) *runtimetest.Proc {
	t.Helper()
	index, err := filepath.Abs("index.mjs")
	if err != nil {
		t.Fatal(err)
	}
	return runtimetest.Start(t, api, []string{node(t), index}, handler, files, func(root string) []string {
		return []string{"NODE_PATH=" + filepath.Join(root, "layer", "node_modules") + ":" + root}
	})
}
