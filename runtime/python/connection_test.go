package python

import (
	"testing"
	"time"
)

func TestOneConnection(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	startRuntime(t, api, "handler.handler", map[string]string{"handler.py": "def handler(e, c): return e\n"})
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
	rt := startRuntime(t, api, "handler.handler", map[string]string{"handler.py": "def handler(e, c): return 1\n"})
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
	// A function that shortens every socket's default timeout must not make
	// the runtime give up waiting for its next event.
	startRuntime(t, api, "handler.handler", map[string]string{"handler.py": `
import socket
socket.setdefaulttimeout(0.05)
def handler(event, context):
    return "late"
`})
	time.AfterFunc(500*time.Millisecond, func() { api.Enqueue(event{ID: "req-1", Body: `{}`}) })
	if p := api.WaitPost(t); string(p.Body) != `"late"` {
		t.Errorf("POST %s %s, want the late event's response", p.Path, p.Body)
	}
}
