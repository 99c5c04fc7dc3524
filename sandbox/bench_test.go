package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
	"github.com/lambdad/lambdad/seccomp"
)

// BenchmarkLifecycle measures create→start→exit→destroy of /bin/true (a
// static busybox) in a provided sandbox, next to `runc run` of a copy of the
// same rootfs in the same run, and prints p50/p99 of both and their ratio.
//
//	sudo go test -run '^$' -bench Lifecycle -benchtime 200x ./sandbox/
func BenchmarkLifecycle(b *testing.B) {
	mgr, base, dir := benchManager(b)
	results := map[string][]time.Duration{}

	// What describing each sandbox as an OCI spec costs a start: the spec
	// and specconv's conversion to libcontainer's config, as Create does.
	b.Run("spec", func(b *testing.B) {
		req := CreateRequest{ID: "spec", Root: base, CodeDir: codeDir, RuntimeDir: runtimeDir, MemoryMB: 128, Args: []string{"/var/task/true"}}
		if err := req.validate(); err != nil {
			b.Fatal(err)
		}
		var samples []time.Duration
		for i := 0; i < 20*b.N; i++ { // cheap: more samples for its percentiles
			start := time.Now()
			if _, err := containerConfig(req.ID, specFor(&req, mgr.CgroupPath(req.ID), "/proc/self/ns/net", false)); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(start))
		}
		report(b, samples)
		results["spec"] = samples
	})

	b.Run("lambdad", func(b *testing.B) {
		var samples []time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			id := NewID()
			s, err := mgr.Create(CreateRequest{
				ID: id, Root: base, CodeDir: codeDir, RuntimeDir: runtimeDir,
				MemoryMB: 128, Args: []string{"/var/task/true"},
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Start(); err != nil {
				b.Fatal(err)
			}
			if st, err := s.Wait(context.Background()); err != nil || st.Code != 0 {
				b.Fatalf("true: %v %v", st, err)
			}
			if err := s.Destroy(); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(start))
		}
		report(b, samples)
		results["lambdad"] = samples
	})

	runc, err := exec.LookPath("runc")
	if err != nil {
		b.Logf("SKIPPED runc baseline: no runc on PATH (apt-get install runc)")
		return
	}
	bundle := runcBundle(b, base.Path)
	b.Run("runc", func(b *testing.B) {
		var samples []time.Duration
		root := filepath.Join(dir, "runc-state")
		for i := 0; i < b.N; i++ {
			start := time.Now()
			cmd := exec.Command(runc, "--root", root, "run", "--bundle", bundle, fmt.Sprintf("bench-%d-%d", os.Getpid(), i))
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("runc run: %v\n%s", err, out)
			}
			samples = append(samples, time.Since(start))
		}
		report(b, samples)
		results["runc"] = samples
	})
	if l, r := results["lambdad"], results["runc"]; len(l) > 0 && len(r) > 0 {
		fmt.Printf("\nsandbox create→start→exit→destroy of /bin/true, %d runs each\n", len(l))
		fmt.Printf("%-10s %9s %9s\n", "", "p50", "p99")
		fmt.Printf("%-10s %9s %9s\n", "lambdad", pct(l, 50), pct(l, 99))
		fmt.Printf("%-10s %9s %9s\n", "runc run", pct(r, 50), pct(r, 99))
		fmt.Printf("%-10s %9.2f %9.2f\n", "ratio", ratio(l, r, 50), ratio(l, r, 99))
		if sp := results["spec"]; len(sp) > 0 {
			us := func(p int) string { return percentile(sp, p).Round(time.Microsecond).String() }
			fmt.Printf("%-10s %9s %9s   (spec → libcontainer config, %d runs)\n", "spec", us(50), us(99), len(sp))
		}
		fmt.Println()
	}
}

// benchManager is a Manager for benchmarks, its state on a tmpfs in dir as
// lambdad serve keeps its run directory (and as runc's /run is on most
// hosts: on ext4 the inode churn alone made lambdad's lifecycle ~10 ms
// slower here), and the provided base tree.
func benchManager(b *testing.B) (*Manager, rootfs.Tree, string) {
	sandboxtest.RequireRoot(b)
	store, err := rootfs.NewStore(baseDir)
	if err != nil {
		b.Fatal(err)
	}
	base, err := store.Base(rootfs.Provided)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "mode=0755"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	mgr, err := NewManager(Config{StateDir: filepath.Join(dir, "containers"), CgroupParent: testCgroupParent})
	if err != nil {
		b.Fatal(err)
	}
	return mgr, base, dir
}

// runcBundle copies the base tree (runc writes mountpoints into its root)
// and adds the same /var/task and command.
func runcBundle(b *testing.B, base string) string {
	bundle := filepath.Join(b.TempDir(), "bundle")
	rootfsDir := filepath.Join(bundle, "rootfs")
	if err := os.MkdirAll(bundle, 0o755); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", base, rootfsDir).CombinedOutput(); err != nil {
		b.Fatalf("copy rootfs: %v %s", err, out)
	}
	if out, err := exec.Command("runc", "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		b.Fatalf("runc spec: %v %s", err, out)
	}
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		b.Fatal(err)
	}
	proc := spec["process"].(map[string]any)
	proc["terminal"] = false
	proc["args"] = []string{"/var/task/true"}
	proc["user"] = map[string]any{"uid": lambda.UID, "gid": lambda.GID}
	spec["mounts"] = append(spec["mounts"].([]any), map[string]any{
		"destination": "/var/task", "type": "bind", "source": codeDir, "options": []string{"rbind", "ro"},
	})
	data, _ = json.Marshal(spec)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return bundle
}

func report(b *testing.B, samples []time.Duration) {
	b.ReportMetric(float64(percentile(samples, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(samples, 99).Microseconds())/1000, "p99-ms")
}

func percentile(samples []time.Duration, p int) time.Duration {
	s := slices.Clone(samples)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func pct(samples []time.Duration, p int) string {
	return percentile(samples, p).Round(10 * time.Microsecond).String()
}

func ratio(a, b []time.Duration, p int) float64 {
	return float64(percentile(a, p)) / float64(percentile(b, p))
}

// BenchmarkSeccomp measures what the default seccomp filter costs: a
// sandbox's create→start→exit→destroy of /bin/true with the filter and
// without, alternating in the same loop (each first every other time) so
// that the machine's drift weighs on both alike, and the cost of one syscall (getppid) inside a sandbox
// with and without it. It prints p50/p99 of both and their ratio.
//
//	sudo go test -run '^$' -bench Seccomp -benchtime 200x ./sandbox/
func BenchmarkSeccomp(b *testing.B) {
	mgr, base, dir := benchManager(b)
	probe, err := escapeFn()
	if err != nil {
		b.Fatal(err)
	}
	code := filepath.Join(dir, "code")
	if err := os.MkdirAll(code, 0o755); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command("cp", probe, filepath.Join(codeDir, "true"), code).CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	filter, err := seccomp.Default()
	if err != nil {
		b.Fatal(err)
	}
	filters := []struct {
		name   string
		filter *seccomp.Filter
	}{{"default", filter}, {"unconfined", seccomp.Unconfined}}

	run := func(f *seccomp.Filter, args ...string) (time.Duration, string) {
		var out bytes.Buffer
		start := time.Now()
		s, err := mgr.Create(CreateRequest{
			Root: base, CodeDir: code, RuntimeDir: runtimeDir, MemoryMB: 1769,
			Args: args, Seccomp: f, Stdout: &out, Stderr: &out,
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Start(); err != nil {
			b.Fatal(err)
		}
		if st, err := s.Wait(context.Background()); err != nil || st.Code != 0 {
			b.Fatalf("%v: %v %v: %s", args, st, err, out.String())
		}
		if err := s.Destroy(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), out.String()
	}
	lifecycle := map[string][]time.Duration{}
	perCall := map[string][]float64{}
	for i := 0; i < b.N; i++ {
		for j := range filters {
			f := filters[(i+j)%2] // each goes first every other time
			took, _ := run(f.filter, "/var/task/true")
			lifecycle[f.name] = append(lifecycle[f.name], took)
		}
	}
	for range 5 {
		for _, f := range filters {
			_, out := run(f.filter, "/var/task/escapefn", "--syscalls", "2000000")
			var ns float64
			if _, err := fmt.Sscanf(out, "ns_per_syscall=%g", &ns); err != nil {
				b.Fatalf("escapefn said %q", out)
			}
			perCall[f.name] = append(perCall[f.name], ns)
		}
	}
	d, u := lifecycle["default"], lifecycle["unconfined"]
	b.ReportMetric(float64(percentile(d, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(ratio(d, u, 50), "p50-ratio")
	fmt.Printf("\nsandbox create→start→exit→destroy of /bin/true, %d runs each, alternating\n", len(d))
	fmt.Printf("%-22s %9s %9s\n", "", "p50", "p99")
	fmt.Printf("%-22s %9s %9s\n", "default filter", pct(d, 50), pct(d, 99))
	fmt.Printf("%-22s %9s %9s\n", "unconfined", pct(u, 50), pct(u, 99))
	fmt.Printf("%-22s %9.2f %9.2f\n", "ratio", ratio(d, u, 50), ratio(d, u, 99))
	slices.Sort(perCall["default"])
	slices.Sort(perCall["unconfined"])
	fmt.Printf("getppid inside, median of 5×2M calls: %.1f ns with the filter, %.1f ns without\n\n",
		perCall["default"][2], perCall["unconfined"][2])
}
