package nodejs

import (
	"strconv"
	"testing"
)

// BenchmarkInvoke measures one warm invocation through the real client: the
// event handed out by next, the handler's call, the response posted back.
func BenchmarkInvoke(b *testing.B) {
	api := newFakeAPI(b)
	startRuntime(b, api, "index.handler", map[string]string{"index.js": "exports.handler = async (e) => e;\n"})
	api.enqueue(event{id: "warm", body: `{}`})
	api.waitPost(b)
	b.ResetTimer()
	for i := range b.N {
		api.enqueue(event{id: strconv.Itoa(i), body: `{"key": "value"}`})
		if p := api.waitPost(b); string(p.body) != `{"key":"value"}` {
			b.Fatalf("POST %s %s", p.path, p.body)
		}
	}
}
