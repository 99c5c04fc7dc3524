package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// probeBootstrap reports what the sandbox looks like from inside: its
// identity, capabilities, open-file limit, mounts and root tree. Under
// lambdad serve it answers its one invoke with that, then waits for the
// next (so its sandbox stays); without a Runtime API (under runc) it
// prints it, then sleeps.
const probeBootstrap = `#!/var/task/sh
PATH=/var/task:$PATH
facts() {
	echo "user=$(id -u):$(id -g) host=$(hostname) cwd=$(pwd) nofile=$(ulimit -n)"
	grep -E '^(Cap|NoNewPrivs)' /proc/self/status
	# mount point, source within its file system, per-mount options, type
	while read -r mid parent dev root point opts rest; do
		set -- ${rest#*- }
		echo "mount $point $root $opts $1"
	done < /proc/self/mountinfo
	find / -xdev | sort
	cat /etc/passwd /etc/group /etc/os-release | md5sum
}
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation
id=$(wget -S -O /tmp/event "$api/next" 2>&1 | sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' | tr -d '\r')
if [ -n "$id" ]; then
	facts > /tmp/facts
	wget -q -O /dev/null --post-file=/tmp/facts "$api/$id/response"
	wget -q -O /dev/null "$api/next"
else
	facts
	echo FACTS-END
	exec sleep 1000
fi
`

// probeFunctions lays out a functions directory with the probe: busybox's
// applets and the bootstrap above, at 256 MB.
func probeFunctions(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "functions")
	probe := filepath.Join(dir, "probe")
	if err := os.MkdirAll(probe, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	if err := sandboxtest.BusyboxDir(probe); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"bootstrap":     probeBootstrap,
		"function.json": `{"Runtime": "provided.al2023", "MemorySize": 256, "Timeout": 30}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(probe, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBundleRunsUnderRunc writes the probe's bundle with lambdad bundle,
// runs it with Debian's runc, and compares what it sees with what the same
// function sees under lambdad serve --network none (a bundle's network is
// runc's, loopback only): the same user, capabilities, rlimit, mounts and
// root, and the same memory, pids and CPU limits on its cgroup.
func TestBundleRunsUnderRunc(t *testing.T) {
	sandboxtest.RequireRoot(t)
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("SKIPPED: no runc on this machine (apt-get install runc; scripts/deps.sh does)")
	}
	functions := probeFunctions(t)
	dir := sandboxtest.TempDir(t)
	parent := fmt.Sprintf("%s-bundle", testCgroupParent)
	t.Cleanup(func() { sandboxtest.RemoveCgroup(parent) })

	// Inside lambdad, with the network a bundle has (loopback only).
	d := startDaemon(t, "--functions", functions, "--network", "none")
	out := mustInvoke(t, d, "probe", `{}`)
	inLambdad := string(out.Payload)
	cgroups := sandboxCgroups(d.parent)
	if len(cgroups) == 0 {
		t.Fatalf("no sandbox of the probe after its invoke")
	}
	lambdadLimits := limits(t, path.Join(d.parent, filepath.Base(cgroups[0])))

	// In its bundle, under runc.
	bundle := filepath.Join(dir, "bundle")
	cmd := exec.Command(lambdad, "bundle", "--functions", functions, "--state-dir", filepath.Join(dir, "state"),
		"--cgroup-parent", parent, "probe", bundle)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lambdad bundle: %v\n%s", err, b)
	}
	var spec struct {
		Linux struct{ CgroupsPath string }
	}
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err == nil {
		err = json.Unmarshal(data, &spec)
	}
	if err != nil {
		t.Fatal(err)
	}
	inRunc, runcLimits := runBundle(t, runc, bundle, spec.Linux.CgroupsPath)

	// The root's source is the store's tree in one and the bundle's copy in
	// the other; everything else must agree.
	normal := func(facts string) string {
		var lines []string
		for _, l := range strings.Split(facts, "\n") {
			if f := strings.Fields(l); len(f) == 5 && f[0] == "mount" && f[1] == "/" {
				l = "mount / (root) " + f[3] + " " + f[4]
			}
			lines = append(lines, l)
		}
		return strings.Join(lines, "\n")
	}
	if a, b := normal(inLambdad), normal(inRunc); a != b {
		t.Errorf("the sandbox differs:\nunder lambdad serve:\n%s\nunder runc:\n%s", a, b)
	}
	for _, want := range []string{"user=993:990 host=localhost cwd=/var/task nofile=1024", "NoNewPrivs:\t1", "mount /var/task ", "mount /tmp / rw,nosuid,nodev"} {
		if !strings.Contains(inRunc, want) {
			t.Errorf("%q missing under runc:\n%s", want, inRunc)
		}
	}
	if fmt.Sprint(lambdadLimits) != fmt.Sprint(runcLimits) {
		t.Errorf("cgroup limits differ: lambdad serve %v, runc %v", lambdadLimits, runcLimits)
	}
	if want := "268435456"; lambdadLimits["memory"] != want {
		t.Errorf("memory limit %q, want %s (256 MB)", lambdadLimits["memory"], want)
	}
}

// runBundle runs the bundle with runc until the probe has reported, reads
// its cgroup's limits, then kills and deletes the container.
func runBundle(t *testing.T, runc, bundle, cgroupPath string) (facts string, lim map[string]string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "runc")
	name := fmt.Sprintf("lambdad-bundle-test-%d", os.Getpid())
	cmd := exec.Command(runc, "--root", root, "run", "--bundle", bundle, name)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testkit.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		exec.Command(runc, "--root", root, "kill", name, "KILL").Run()
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case <-waited:
		case <-time.After(testkit.EventuallyTimeout):
			cmd.Process.Kill()
			t.Errorf("runc run did not end after runc kill")
		}
		if b, err := exec.Command(runc, "--root", root, "delete", "--force", name).CombinedOutput(); err != nil {
			t.Errorf("runc delete: %v\n%s", err, b)
		}
		if left := sandboxtest.Leaks(cgroupPath, name); len(left) > 0 {
			t.Errorf("runc left: %v", left)
		}
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var b strings.Builder
	deadline := time.After(testkit.EventuallyTimeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("runc run ended before the probe reported:\n%s\nstderr:\n%s", b.String(), stderr.String())
			}
			if l == "FACTS-END" {
				return b.String(), limits(t, cgroupPath)
			}
			b.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("the probe did not report under runc:\n%s\nstderr:\n%s", b.String(), stderr.String())
		}
	}
}

// limits reads the memory, pids and CPU limits of the cgroup at path (from
// the hierarchy roots), in cgroup v2's terms or v1's.
func limits(t *testing.T, cgroupPath string) map[string]string {
	t.Helper()
	read := func(file string) string {
		b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", file))
		if err != nil {
			t.Errorf("cgroup limit: %v", err)
		}
		return strings.TrimSpace(string(b))
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil { // cgroup v2
		return map[string]string{
			"memory": read(path.Join(cgroupPath, "memory.max")),
			"swap":   read(path.Join(cgroupPath, "memory.swap.max")),
			"pids":   read(path.Join(cgroupPath, "pids.max")),
			"cpu":    read(path.Join(cgroupPath, "cpu.max")),
		}
	}
	return map[string]string{
		"memory": read(path.Join("memory", cgroupPath, "memory.limit_in_bytes")),
		"swap":   read(path.Join("memory", cgroupPath, "memory.memsw.limit_in_bytes")),
		"pids":   read(path.Join("pids", cgroupPath, "pids.max")),
		"cpu":    read(path.Join("cpu", cgroupPath, "cpu.cfs_quota_us")) + " " + read(path.Join("cpu", cgroupPath, "cpu.cfs_period_us")),
	}
}
