package main

import (
	"fmt"
	"slices"
	"time"
)

// samples are raw latencies; percentiles come from them sorted, by index.
type samples []time.Duration

func (s samples) percentile(p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	return sorted[(len(sorted)-1)*p/100]
}

func (s samples) p50() time.Duration { return s.percentile(50) }
func (s samples) p99() time.Duration { return s.percentile(99) }

// ms formats a duration in milliseconds, with precision to match its size.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	default:
		return fmt.Sprintf("%.1f ms", v)
	}
}

// pair is "p50 / p99".
func (s samples) pair() string {
	return fmt.Sprintf("%s / %s", ms(s.p50()), ms(s.p99()))
}

func mb(bytes int64) string { return fmt.Sprintf("%.1f MB", float64(bytes)/(1<<20)) }
