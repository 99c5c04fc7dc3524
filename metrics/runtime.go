package metrics

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The daemon's own Go and process metrics, under client_golang's names so
// that dashboards made for its collectors work, read at each scrape from
// the runtime and /proc/self. runtime/metrics is not used: linking it adds
// a package initialiser to every sandbox start (see doc.go).

// goFamilies are the Go runtime's metrics now.
func goFamilies() []family {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	threads, _ := runtime.ThreadCreateProfile(nil)
	return []family{
		gauge("go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine())),
		gauge("go_threads", "Number of OS threads created.", float64(threads)),
		{name: "go_info", help: "Information about the Go environment.", typ: typeGauge,
			samples: []sample{{labels: []label{{"version", runtime.Version()}}, value: 1}}},
		gcDuration(),
		gauge("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", float64(ms.Alloc)),
		counter("go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already.", float64(ms.TotalAlloc)),
		gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use.", float64(ms.HeapAlloc)),
		gauge("go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used.", float64(ms.HeapIdle)),
		gauge("go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", float64(ms.HeapInuse)),
		gauge("go_memstats_heap_objects", "Number of currently allocated objects.", float64(ms.HeapObjects)),
		gauge("go_memstats_heap_released_bytes", "Number of heap bytes released to OS.", float64(ms.HeapReleased)),
		gauge("go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system.", float64(ms.HeapSys)),
		counter("go_memstats_mallocs_total", "Total number of heap objects allocated.", float64(ms.Mallocs)),
		counter("go_memstats_frees_total", "Total number of heap objects frees.", float64(ms.Frees)),
		gauge("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", float64(ms.NextGC)),
		gauge("go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.", float64(ms.LastGC)/1e9),
		gauge("go_memstats_stack_inuse_bytes", "Number of bytes in use by the stack allocator.", float64(ms.StackInuse)),
		gauge("go_memstats_sys_bytes", "Number of bytes obtained from system.", float64(ms.Sys)),
	}
}

// gcDuration is the GC's stop-the-world pauses as client_golang's summary:
// the quantiles 0, 0.25, 0.5, 0.75 and 1 of the pauses the runtime still
// keeps (its last 256), with the sum and count of all of them.
func gcDuration() family {
	stats := debug.GCStats{PauseQuantiles: make([]time.Duration, 5)}
	debug.ReadGCStats(&stats)
	f := family{name: "go_gc_duration_seconds", help: "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.", typ: typeSummary}
	for i, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		f.samples = append(f.samples, sample{labels: []label{{"quantile", q}}, value: stats.PauseQuantiles[i].Seconds()})
	}
	f.samples = append(f.samples,
		sample{suffix: "_sum", value: stats.PauseTotal.Seconds()},
		sample{suffix: "_count", value: float64(stats.NumGC)})
	return f
}

// userHZ is the kernel's clock ticks per second in /proc's times, as
// procfs assumes it (USER_HZ is 100 on every Linux architecture Go runs).
const userHZ = 100

// processFamilies are the process's metrics from /proc/self; those it
// cannot read are left out.
func processFamilies() []family {
	var fams []family
	if st, err := readProcStat(); err == nil {
		fams = append(fams,
			counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", float64(st.utime+st.stime)/userHZ),
			gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", float64(st.vsize)),
			gauge("process_resident_memory_bytes", "Resident memory size in bytes.", float64(st.rss*uint64(os.Getpagesize()))))
		if btime, err := bootTime(); err == nil {
			fams = append(fams, gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", btime+float64(st.starttime)/userHZ))
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		fams = append(fams, gauge("process_open_fds", "Number of open file descriptors.", float64(len(fds)-1))) // less ReadDir's own
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		fams = append(fams, gauge("process_max_fds", "Maximum number of open file descriptors.", float64(lim.Cur)))
	}
	return fams
}

// procStat is what the metrics read of /proc/self/stat.
type procStat struct {
	utime, stime, starttime, vsize, rss uint64
}

// readProcStat reads /proc/self/stat: its fields after the command
// (which may hold spaces and parentheses, so after its last ')').
func readProcStat() (procStat, error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return procStat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, syscall.EINVAL
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 22 {
		return procStat{}, syscall.EINVAL
	}
	field := func(n int) uint64 { v, _ := strconv.ParseUint(f[n-3], 10, 64); return v }
	return procStat{utime: field(14), stime: field(15), starttime: field(22), vsize: field(23), rss: field(24)}, nil
}

// bootTime is the system's boot, in seconds since the epoch: /proc/stat's
// btime.
func bootTime() (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, syscall.ENOENT
}
