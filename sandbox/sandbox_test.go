package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/vishvananda/netlink"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
)

func TestExitStatus(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		script string
		want   string
	}{
		{"exit 0", "exit status 0"},
		{"exit 3", "exit status 3"},
		{"kill -9 $$", "exit status 137"}, // the init reports its child's signal as 128+n
	} {
		st, out := e.output(e.request(tc.script))
		if st.String() != tc.want {
			t.Errorf("%q: got %s, want %s (output %q)", tc.script, st, tc.want, out)
		}
	}
}

func TestIdentityAndIsolation(t *testing.T) {
	e := newEnv(t)
	st, out := e.output(e.request(`
		echo uid=$(id -u) gid=$(id -g)
		grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status
		echo pids=$(ls -d /proc/[0-9]* | wc -l)
		echo pid1=$(cat /proc/1/cmdline | tr '\0' ' ')
		echo hostname=$(hostname)
		echo cwd=$(pwd)
		echo netdevs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,)
		echo nofile=$(ulimit -n)
		cat /proc/kcore >/dev/null 2>&1 && echo kcore=readable || echo kcore=masked
		echo x 2>/dev/null >/proc/sys/kernel/hostname && echo procsys=writable || echo procsys=readonly
	`))
	if st.Code != 0 {
		t.Fatalf("exit %s: %s", st, out)
	}
	for _, want := range []string{
		"uid=993 gid=990",
		"CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
		"CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1",
		"pid1=/var/lambdad/init --nofile 1024 --seccomp-fd 3 -- sh -c",
		"hostname=localhost",
		"cwd=/var/task",
		"netdevs=lo,\n",
		"nofile=1024",
		"kcore=masked",
		"procsys=readonly",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// sh, the shell's subshells and ls, but nothing of the host.
	if n := field(out, "pids="); n < 2 || n > 6 {
		t.Errorf("sandbox sees %d processes, want its own few:\n%s", n, out)
	}
}

func field(out, key string) int {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return -1
}

func TestReadOnlyFilesystems(t *testing.T) {
	e := newEnv(t)
	req := e.request(`
		for f in /etc/x /var/task/x /var/lambdad/x /x /opt/x; do
			touch $f 2>&1 | grep -q 'Read-only file system' && echo "$f=erofs" || echo "$f=WRITABLE"
		done
		echo hi >/tmp/ok && echo tmp=writable
		dd if=/dev/zero of=/tmp/big bs=1M count=600 2>&1 | grep -o 'No space left on device' | head -1
		echo tmpsize=$(df -m /tmp | tail -1 | awk '{print $2}')
	`)
	req.MemoryMB = 1024 // tmpfs pages count against memory: let /tmp fill before memory does
	st, out := e.output(req)
	if st.Code != 0 {
		t.Fatalf("exit %s: %s", st, out)
	}
	for _, want := range []string{
		"/etc/x=erofs", "/var/task/x=erofs", "/var/lambdad/x=erofs", "/x=erofs", "/opt/x=erofs",
		"tmp=writable", "No space left on device", "tmpsize=512",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestMemoryLimitOOM(t *testing.T) {
	e := newEnv(t)
	req := e.request(`awk 'BEGIN { s = "x"; while (1) s = s s }'; echo awk=$?`)
	st, out := e.output(req)
	_ = st
	s := lastSandbox(t, e, req.ID)
	stats, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if !stats.OOMKilled() {
		t.Errorf("OOM killer did not fire: %+v, output %q", stats, out)
	}
	if !strings.Contains(out, "awk=137") {
		t.Errorf("awk was not SIGKILLed: %q", out)
	}
	limit := uint64(req.MemoryMB) << 20
	if stats.PeakMemoryBytes < limit/2 || stats.PeakMemoryBytes > limit {
		t.Errorf("peak memory %d, want close to the %d limit", stats.PeakMemoryBytes, limit)
	}
}

// lastSandbox finds a sandbox that e.output started (tests keep no handle).
func lastSandbox(t *testing.T, e *env, id string) *Sandbox {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.started[id]
	if !ok {
		t.Fatalf("no sandbox %s", id)
	}
	return s
}

func TestStatsOfALiveSandbox(t *testing.T) {
	e := newEnv(t)
	// tmpfs pages are charged to the writer's cgroup and stay while the file does.
	req := e.request(`dd if=/dev/zero of=/tmp/fill bs=1M count=48 2>/dev/null; echo ready; sleep 1000`)
	var out testkit.Buffer
	req.Stdout = &out
	s := e.start(req)
	testkit.Eventually(t, "the allocation", func() bool { return strings.Contains(out.String(), "ready") })
	stats, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.MemoryBytes < 48<<20 || stats.PeakMemoryBytes < stats.MemoryBytes || stats.OOMKilled() {
		t.Errorf("stats %+v: want ≥ 48 MiB in use, peak ≥ current, no OOM", stats)
	}
}

// PeakMemory keeps its file open: each call must read the peak afresh.
func TestPeakMemoryFollowsTheSandbox(t *testing.T) {
	e := newEnv(t)
	// /opt is the host's way in: the script waits for "go" there.
	req := e.request(`echo one; while [ ! -e /opt/go ]; do sleep 0.05; done; dd if=/dev/zero of=/tmp/fill bs=1M count=48 2>/dev/null; echo two; sleep 1000`)
	req.OptDir = t.TempDir()
	os.Chmod(req.OptDir, 0o755)
	var out testkit.Buffer
	req.Stdout = &out
	s := e.start(req)
	testkit.Eventually(t, "the start", func() bool { return strings.Contains(out.String(), "one") })
	before, err := s.PeakMemory()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(req.OptDir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the allocation", func() bool { return strings.Contains(out.String(), "two") })
	after, err := s.PeakMemory()
	if err != nil {
		t.Fatal(err)
	}
	stats, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if before >= 48<<20 || after < before+40<<20 || after != stats.PeakMemoryBytes {
		t.Errorf("peak %d before and %d after allocating 48 MiB, Stats says %d: want it to grow by about 48 MiB and agree", before, after, stats.PeakMemoryBytes)
	}
}

func TestForkBombHitsPidsLimit(t *testing.T) {
	e := newEnv(t)
	req := e.request(`f() { f | f & }; f; sleep 1000`)
	req.MemoryMB = 2048
	s := e.start(req)
	pidsPath := s.cgroup.Path("pids")
	testkit.Eventually(t, "the fork bomb to reach the pids limit", func() bool {
		events, err := cgroups.ReadFile(pidsPath, "pids.events")
		return err == nil && !strings.Contains(events, "max 0")
	})
	pids, err := s.cgroup.GetAllPids()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) > lambda.MaxPids {
		t.Errorf("%d processes in the sandbox, limit is %d", len(pids), lambda.MaxPids)
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	waitExit(t, s)
}

func TestKillLeavesNothing(t *testing.T) {
	for _, method := range []string{"cgroup.kill", "freezer"} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t)
			// Children that ignore SIGTERM, double-fork and fork in a loop.
			req := e.request(`
				trap '' TERM
				(trap '' TERM; (trap '' TERM; sleep 1000) & sleep 1000) &
				while :; do sleep 1000 & sleep 0.01; done
			`)
			s := e.start(req)
			s.killWithFreezer = method == "freezer"
			if method == "cgroup.kill" && !hasCgroupKill(s) {
				t.Skip("SKIPPED: this kernel/hierarchy has no cgroup.kill")
			}
			testkit.Eventually(t, "children to start", func() bool {
				pids, _ := s.cgroup.GetAllPids()
				return len(pids) >= 5
			})
			if err := s.Kill(); err != nil {
				t.Fatal(err)
			}
			st := waitExit(t, s)
			if st.Signal != syscall.SIGKILL {
				t.Errorf("init ended with %s, want signal: killed", st)
			}
			if pids, _ := s.cgroup.GetAllPids(); len(pids) != 0 {
				t.Errorf("processes left after Kill: %v", pids)
			}
		})
	}
}

func hasCgroupKill(s *Sandbox) bool {
	p := s.cgroup.Path("")
	if p == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(p, "cgroup.kill"))
	return err == nil
}

func waitExit(t *testing.T, s *Sandbox) ExitStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := s.Wait(ctx)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return st
}

func TestKillAFrozenSandbox(t *testing.T) {
	e := newEnv(t)
	s := e.start(e.request(`sleep 1000 & sleep 1000`))
	if err := s.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	waitExit(t, s)
}

func TestFreezeThaw(t *testing.T) {
	e := newEnv(t)
	req := e.request(`i=0; while :; do i=$((i+1)); echo $i >/tmp/n; echo tick; sleep 0.01; done`)
	var out testkit.Buffer
	req.Stdout = &out
	s := e.start(req)
	testkit.Eventually(t, "ticks", func() bool { return strings.Count(out.String(), "tick") >= 3 })
	if err := s.Freeze(); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.cgroup.GetFreezerState(); st != cgroups.Frozen {
		t.Fatalf("freezer state %v after Freeze", st)
	}
	n := strings.Count(out.String(), "tick")
	// Nothing runs while frozen: give it ample chances to tick.
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		runtimeGosched()
	}
	if m := strings.Count(out.String(), "tick"); m > n+1 {
		t.Errorf("frozen sandbox went on running: %d → %d ticks", n, m)
	}
	if err := s.Freeze(); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("second Freeze: %v, want ErrInvalidTransition", err)
	}
	if err := s.Thaw(); err != nil {
		t.Fatal(err)
	}
	m := strings.Count(out.String(), "tick")
	testkit.Eventually(t, "ticks after thaw", func() bool { return strings.Count(out.String(), "tick") > m+2 })
}

func runtimeGosched() { time.Sleep(10 * time.Millisecond) }

// Without RuntimeAPIAddr, libcontainer makes the network namespace:
// loopback up, nothing else, and nothing listening on the Runtime API's
// address.
func TestLoopbackOnly(t *testing.T) {
	e := newEnv(t)
	req := e.request(`
		wget -q -T 2 -O - http://127.0.0.1:9001/2018-06-01/ping || echo api=none
		ip link show lo | grep -q '[<,]UP[,>]' && echo loopback=up || echo loopback=DOWN
		echo routes=$(tail -n +2 /proc/net/route | wc -l)
		echo devices=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,)
	`)
	st, out := e.output(req)
	if st.Code != 0 {
		t.Fatalf("exit %s: %s", st, out)
	}
	// Nothing beyond loopback: no other device, no route out.
	for _, want := range []string{"api=none\n", "loopback=up\n", "routes=0\n", "devices=lo,\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestConcurrentCreateDestroy(t *testing.T) {
	e := newEnv(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := e.request("exit 0")
			s, err := e.mgr.Create(req)
			if err != nil {
				errs <- err
				return
			}
			if err := s.Start(); err != nil {
				errs <- err
			}
			if i%2 == 0 { // half are destroyed while running
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				s.Wait(ctx)
			}
			if err := s.Destroy(); err != nil {
				errs <- err
			}
			for _, l := range leaksOf(e, s, req) {
				errs <- fmt.Errorf("%s leaked %s", s.ID(), l)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDestroyIsIdempotent(t *testing.T) {
	e := newEnv(t)
	s := e.start(e.request("sleep 1000"))
	for i := 0; i < 2; i++ {
		if err := s.Destroy(); err != nil {
			t.Fatalf("destroy %d: %v", i, err)
		}
	}
	if err := s.Start(); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("start after destroy: %v, want ErrInvalidTransition", err)
	}
}

func TestDestroyUnstarted(t *testing.T) {
	e := newEnv(t)
	s := e.create(e.request("exit 0"))
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
}

func TestCleanupAfterCrash(t *testing.T) {
	e := newEnv(t)
	req := e.request("sleep 1000 & sleep 1000")
	s, err := e.mgr.Create(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	cleanupAfterCrash(t, e)
	waitExit(t, s)
	for _, l := range leaksOf(e, s, req) {
		t.Errorf("left after cleanup: %s", l)
	}
}

// cleanupAfterCrash is what a daemon does after a crash: a new manager on
// the same state directory cleans up.
func cleanupAfterCrash(t *testing.T, e *env) {
	t.Helper()
	mgr, err := NewManager(Config{StateDir: e.mgr.stateDir, CgroupParent: testCgroupParent})
	if err != nil {
		t.Fatal(err)
	}
	if err := mgr.Cleanup(); err != nil {
		t.Fatal(err)
	}
}

// A crash while a sandbox starts leaves its cgroup and processes but no
// saved state: Cleanup finds them through its state directory all the same.
func TestCleanupAfterCrashDuringStart(t *testing.T) {
	e := newEnv(t)
	req := e.request("sleep 1000")
	s, err := e.mgr.Create(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Prestart(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(e.mgr.StateDir(s.ID()), "state.json")); err != nil {
		t.Fatal(err)
	}
	cleanupAfterCrash(t, e)
	waitExit(t, s)
	for _, l := range leaksOf(e, s, req) {
		t.Errorf("left after cleanup: %s", l)
	}
}

func TestCPUQuotaApplied(t *testing.T) {
	e := newEnv(t)
	req := e.request("sleep 1000")
	req.MemoryMB = 512
	s := e.start(req)
	if got := cpuQuotaOf(t, s); got != "28942 100000" {
		t.Errorf("cpu quota %q, want 28942 100000 (512 MB of 1769 per vCPU)", got)
	}
	req = e.request("sleep 1000")
	req.DeferCPULimit = true
	s = e.start(req)
	if got := cpuQuotaOf(t, s); got != "max 100000" && got != "-1 100000" {
		t.Errorf("deferred cpu quota %q before LimitCPU, want none", got)
	}
	if err := s.LimitCPU(); err != nil {
		t.Fatal(err)
	}
	if got := cpuQuotaOf(t, s); got != "7235 100000" {
		t.Errorf("cpu quota %q after LimitCPU, want 7235 100000", got)
	}
}

// cpuQuotaOf reads "quota period" from the sandbox's cgroup.
func cpuQuotaOf(t *testing.T, s *Sandbox) string {
	t.Helper()
	var got string
	var err error
	if cgroups.IsCgroup2UnifiedMode() {
		got, err = cgroups.ReadFile(s.cgroup.Path(""), "cpu.max")
	} else {
		got, err = cgroups.ReadFile(s.cgroup.Path("cpu"), "cpu.cfs_quota_us")
		if err == nil {
			var period string
			period, err = cgroups.ReadFile(s.cgroup.Path("cpu"), "cpu.cfs_period_us")
			got = strings.TrimSpace(got) + " " + period
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(got)
}

// TestDaemonStaysInItsMountNamespace guards against libcontainer parking
// the main thread inside a sandbox's mount namespace.
func TestDaemonStaysInItsMountNamespace(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		e.output(e.request("exit 0"))
	}
	self, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	thread, err := os.Readlink("/proc/thread-self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	if self != thread {
		t.Errorf("the main thread is in mount namespace %s, this thread in %s", self, thread)
	}
}

// TestRuntimeAPIInTheSandboxNetwork serves HTTP on the listener lambdad
// opened inside the sandbox's own network namespace: the function reaches
// it at 127.0.0.1:9001 with no relay, and still sees nothing but loopback.
func TestRuntimeAPIInTheSandboxNetwork(t *testing.T) {
	e := newEnv(t)
	req := e.request(`
		wget -q -O - http://127.0.0.1:9001/2018-06-01/ping && echo && echo direct=ok
		echo pid1=$(cat /proc/1/cmdline | tr '\0' ' ')
		echo routes=$(tail -n +2 /proc/net/route | wc -l)
		echo devices=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ,)
	`)
	req.RuntimeAPIAddr = "127.0.0.1:9001"
	var out testkit.Buffer
	req.Stdout, req.Stderr = &out, &out
	s := e.create(req)
	ln := s.RuntimeListener()
	if ln == nil {
		t.Fatal("no runtime listener")
	}
	servePong(t, ln)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	st := waitExit(t, s)
	got := out.String()
	if st.Code != 0 || !strings.Contains(got, "pong /2018-06-01/ping\ndirect=ok") {
		t.Errorf("exit %s, output:\n%s", st, got)
	}
	for _, want := range []string{"pid1=/var/lambdad/init --nofile 1024 --seccomp-fd 3 -- sh -c", "routes=0\n", "devices=lo,\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	// The host cannot reach it: the listener is not in the host's namespace.
	if c, err := net.DialTimeout("tcp", "127.0.0.1:9001", 100*time.Millisecond); err == nil {
		c.Close()
		t.Error("127.0.0.1:9001 answers on the host too")
	}
}

// A prestarted sandbox is set up and entered, but runs nothing of the
// command until Start.
func TestPrestartHoldsTheCommand(t *testing.T) {
	e := newEnv(t)
	req := e.request(`echo ran; exit 7`)
	var out testkit.Buffer
	req.Stdout = &out
	s := e.create(req)
	if err := s.Prestart(); err != nil {
		t.Fatal(err)
	}
	if st := s.State(); st != Prestarted {
		t.Fatalf("state %s after Prestart, want prestarted", st)
	}
	pids, err := s.cgroup.GetAllPids()
	if err != nil || len(pids) != 1 {
		t.Fatalf("pids %v (%v) in a prestarted sandbox, want its one held init", pids, err)
	}
	time.Sleep(100 * time.Millisecond) // what a held init must not do, it would have done by now
	if out.String() != "" {
		t.Fatalf("output %q before Start", out.String())
	}
	if err := s.Prestart(); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("second Prestart: %v, want ErrInvalidTransition", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := s.Wait(ctx)
	if err != nil || st.Code != 7 || out.String() != "ran\n" {
		t.Errorf("exit %v (%v), output %q: want 7 and %q", st, err, out.String(), "ran\n")
	}
}

// A spare that is never used is destroyed whole.
func TestDestroyPrestarted(t *testing.T) {
	e := newEnv(t)
	req := e.request(`echo ran`)
	s := e.create(req)
	if err := s.Prestart(); err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
	if left := leaksOf(e, s, req); len(left) > 0 {
		t.Errorf("left after Destroy: %v", left)
	}
}

// servePong answers every request on ln with "pong" and its path, until
// the test's end.
func servePong(t *testing.T, ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "pong %s", r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// In the host's network namespace, a sandbox's Runtime API is on a port of
// the host's loopback that answers its own processes only: the test's own
// connection (a process on the host) is closed unanswered. The sandbox
// sees the host's interfaces: a veth pair the test makes.
func TestHostNetworkRuntimeAPIIsOwnOnly(t *testing.T) {
	e := newEnv(t)
	link := fmt.Sprintf("lds%d", os.Getpid())
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: link}, PeerName: link + "p"}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatal(err)
	}
	defer netlink.LinkDel(veth)
	req := e.request(`
		wget -q -O - http://$AWS_LAMBDA_RUNTIME_API/ping && echo && echo api=ok
		echo devices=$(grep -c ` + link + ` /proc/net/dev)
		sleep 1000
	`)
	req.Env = append(req.Env, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001")
	req.HostNetwork, req.RuntimeAPIAddr = true, "127.0.0.1:9001"
	var out testkit.Buffer
	req.Stdout, req.Stderr = &out, &out
	s := e.create(req)
	ln := s.RuntimeListener()
	servePong(t, ln)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the sandbox's call", func() bool { return strings.Contains(out.String(), "devices=") })
	if got := out.String(); !strings.Contains(got, "pong /ping\napi=ok") || !strings.Contains(got, "devices=2\n") {
		t.Errorf("want the API answered and the host's interfaces seen, got:\n%s", got)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /ping HTTP/1.0\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := io.ReadAll(c); len(b) > 0 { // EOF or a reset: closed either way
		t.Errorf("a process outside the sandbox got %q (%v), want its connection closed unanswered", b, err)
	}
}

// fakeNetwork attaches nothing but a hosts file, and counts.
type fakeNetwork struct {
	dir              string
	attached, undone int
	ns               bool // it was given an open namespace
}

func (f *fakeNetwork) Attach(id string, netns *os.File) ([]rootfs.Bind, func() error, error) {
	f.attached++
	_, err := netns.Stat()
	f.ns = err == nil
	hosts := filepath.Join(f.dir, id+".hosts")
	if err := os.WriteFile(hosts, []byte("192.0.2.9\tfake.test\n"), 0o644); err != nil {
		return nil, nil, err
	}
	return []rootfs.Bind{{Source: hosts, Destination: "/etc/hosts"}}, func() error { f.undone++; return os.Remove(hosts) }, nil
}

// A network's Attach runs in Create with the sandbox's namespace, its
// files are bound read-only, and Destroy undoes it.
func TestNetworkAttached(t *testing.T) {
	e := newEnv(t)
	f := &fakeNetwork{dir: t.TempDir()}
	req := e.request(`cat /etc/hosts; { echo x >>/etc/hosts; } 2>/dev/null && echo hosts=WRITABLE || echo hosts=readonly`)
	req.RuntimeAPIAddr, req.Network = "127.0.0.1:9001", f
	st, out := e.output(req)
	if st.Code != 0 || !strings.Contains(out, "192.0.2.9\tfake.test\nhosts=readonly") {
		t.Errorf("exit %s, output:\n%s", st, out)
	}
	s := lastSandbox(t, e, req.ID)
	if err := s.Destroy(); err != nil {
		t.Fatal(err)
	}
	if f.attached != 1 || !f.ns || f.undone != 1 {
		t.Errorf("attached %d (namespace given: %v), undone %d; want once each", f.attached, f.ns, f.undone)
	}
}
