package nodejs

import (
	"testing"
	"time"
)

func TestOneConnection(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	startRuntime(t, api, "index.handler", map[string]string{"index.js": "exports.handler = async (e) => e;\n"})
	const n = 10
	for i := range n {
		// One at a time, so that the runtime waits in next between events.
		id := "req-" + string(rune('a'+i))
		api.Enqueue(event{ID: id, Body: `{"i": 1}`})
		if p := api.WaitPost(t); p.Path != "/2018-06-01/runtime/invocation/"+id+"/response" {
			t.Fatalf("POST %s, want the response of %s", p.Path, id)
		}
	}
	if c := api.Conns.Load(); c != 1 {
		t.Errorf("the runtime opened %d connections for %d invocations, want 1", c, n)
	}
}

func TestExitsOnRejectedPost(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	api.Status.Store(400)
	api.Enqueue(event{ID: "req-1", Body: `{}`}, event{ID: "req-2", Body: `{}`})
	rt := startRuntime(t, api, "index.handler", map[string]string{"index.js": "exports.handler = async () => 1;\n"})
	api.WaitPost(t)
	if code := rt.WaitExit(t); code == 0 {
		t.Errorf("runtime exited 0 after a rejected POST")
	}
	if p, ok := api.Posted(); ok {
		t.Errorf("runtime went on to POST %s after a rejected POST", p.Path)
	}
}

func TestNextWaitsWithoutTimeout(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	// A function that shortens the default agent's timeouts must not make
	// the runtime give up waiting for its next event.
	startRuntime(t, api, "index.handler", map[string]string{"index.js": `
const http = require("node:http");
http.globalAgent.options.timeout = 50;
http.globalAgent.keepAlive = false;
exports.handler = async () => "late";
`})
	time.AfterFunc(500*time.Millisecond, func() { api.Enqueue(event{ID: "req-1", Body: `{}`}) })
	if p := api.WaitPost(t); string(p.Body) != `"late"` {
		t.Errorf("POST %s %s, want the late event's response", p.Path, p.Body)
	}
}
