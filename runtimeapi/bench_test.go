package runtimeapi

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// BenchmarkInvoke measures Invoke round trips: the invocation goes to a Go
// runtime client's GET /next over loopback TCP (keep-alive), which posts
// the payload back as the response.
func BenchmarkInvoke(b *testing.B) {
	for _, size := range []int{64, 64 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("payload=%d", size), func(b *testing.B) {
			s := listen(b)
			rt := newTestRuntime(b, addr(s))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go rt.echo(ctx)
			if err := s.WaitReady(ctx); err != nil {
				b.Fatal(err)
			}
			inv := Invocation{
				Payload:     bytes.Repeat([]byte("x"), size),
				Deadline:    time.Now().Add(time.Hour),
				FunctionARN: testARN,
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				inv.RequestID = "bench-" + strconv.Itoa(i)
				res, err := s.Invoke(ctx, inv)
				if err != nil || len(res.Body) != size {
					b.Fatalf("Invoke: %v, %d bytes", err, len(res.Body))
				}
			}
			if n := rt.dials.Load(); n != 1 {
				b.Errorf("%d connections, want one kept alive", n)
			}
		})
	}
}
