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
	api.Enqueue(event{ID: "warm", Body: `{}`})
	api.WaitPost(b)
	b.ResetTimer()
	for i := range b.N {
		api.Enqueue(event{ID: strconv.Itoa(i), Body: `{"key": "value"}`})
		if p := api.WaitPost(b); string(p.Body) != `{"key":"value"}` {
			b.Fatalf("POST %s %s", p.Path, p.Body)
		}
	}
}
