package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes are the host's busy and total jiffies (/proc/stat's cpu line).
func cpuTimes() (busy, total int64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// cpuBusy is the fraction of the host's CPU time in use over window.
func cpuBusy(ctx context.Context, window time.Duration) (float64, error) {
	b0, t0 := cpuTimes()
	select {
	case <-time.After(window):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	b1, t1 := cpuTimes()
	if t1 == t0 {
		return 0, nil
	}
	return float64(b1-b0) / float64(t1-t0), nil
}

// hostMounts counts the mounts of the host's mount namespace.
func hostMounts() int {
	data, _ := os.ReadFile("/proc/1/mountinfo")
	return strings.Count(string(data), "\n")
}
