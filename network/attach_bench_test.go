package network

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lambdad/lambdad/network/networktest"
)

// BenchmarkAttach measures Attach (and, apart, detach) of fresh network
// namespaces: what egress adds to a sandbox set up on demand.
//
//	sudo go test -run '^$' -bench Attach -benchtime 200x ./network/
func BenchmarkAttach(b *testing.B) {
	n := newTestNetwork(b)
	var attach, detach []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ns := networktest.Netns(b)
		b.StartTimer()
		start := time.Now()
		_, undo, err := n.Attach(fmt.Sprint(i), ns)
		if err != nil {
			b.Fatal(err)
		}
		attach = append(attach, time.Since(start))
		start = time.Now()
		if err := undo(); err != nil {
			b.Fatal(err)
		}
		detach = append(detach, time.Since(start))
		ns.Close()
	}
	p := func(s []time.Duration, q int) time.Duration {
		s = slices.Clone(s)
		slices.Sort(s)
		return s[(len(s)-1)*q/100]
	}
	b.ReportMetric(float64(p(attach, 50).Microseconds())/1000, "attach-p50-ms")
	b.ReportMetric(float64(p(detach, 50).Microseconds())/1000, "detach-p50-ms")
}
