package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// hostIDs reads the real, effective, saved and filesystem uids and gids of
// the host process pid (its /proc status, read from the host).
func hostIDs(t *testing.T, pid int) (uids, gids string) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			uids = strings.Join(strings.Fields(v), " ")
		}
		if v, ok := strings.CutPrefix(line, "Gid:"); ok {
			gids = strings.Join(strings.Fields(v), " ")
		}
	}
	return uids, gids
}

// Two sandboxes: inside, both are sbx_user1051 (993:990); on the host, each
// runs as a uid (and gid) of its own from the Manager's range, never 993.
func TestEachSandboxHasItsOwnHostUID(t *testing.T) {
	e := newEnv(t)
	host := map[string]bool{}
	for range 2 {
		var out testkit.Buffer
		req := e.request(`id; echo ready; exec sleep 1000`)
		req.Stdout, req.Stderr = &out, &out
		s := e.start(req)
		testkit.Eventually(t, "the sandbox's id", func() bool { return strings.Contains(out.String(), "ready") })
		if want := "uid=993(sbx_user1051) gid=990"; !strings.Contains(out.String(), want) {
			t.Errorf("inside: %q, want %q", out.String(), want)
		}
		pids, err := s.cgroup.GetAllPids()
		if err != nil || len(pids) == 0 {
			t.Fatalf("pids %v: %v", pids, err)
		}
		for _, pid := range pids {
			uids, gids := hostIDs(t, pid)
			f := strings.Fields(uids)
			if len(f) != 4 || strings.Count(uids, f[0]) != 4 || gids != uids {
				t.Errorf("host process %d: uids %q gids %q, want one id for all", pid, uids, gids)
				continue
			}
			var id int
			fmt.Sscan(f[0], &id)
			if id == lambda.UID || id < DefaultFirstUID || id >= DefaultFirstUID+UIDsPerRange {
				t.Errorf("host process %d runs as %d, want a uid of the range from %d", pid, id, DefaultFirstUID)
			}
			host[f[0]] = true
		}
	}
	if len(host) != 2 {
		t.Errorf("two sandboxes run as host uids %v, want two different ones", host)
	}
	// The namespaces' holders are gone once the namespaces are made.
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		if c, _ := os.ReadFile(f); strings.HasPrefix(string(c), "lambdad\x00"+usernsHoldArg) {
			t.Errorf("a user namespace holder is left: %s", f)
		}
	}
}

// The kernel limits inotify instances per user (fs.inotify.max_user_instances,
// 128 by default): a sandbox that takes them all leaves another sandbox its
// own.
func TestInotifyLimitIsPerSandbox(t *testing.T) {
	e := newEnv(t)
	limit := 128
	if data, err := os.ReadFile("/proc/sys/fs/inotify/max_user_instances"); err == nil {
		fmt.Sscan(string(data), &limit)
	}
	code := escapeCode(t)
	hog := func(n int) *testkit.Buffer {
		var out testkit.Buffer
		req := e.request("")
		req.CodeDir = code
		req.Args = []string{"/var/task/escapefn", "--inotify", fmt.Sprint(n)}
		req.Stdout, req.Stderr = &out, &out
		e.start(req)
		testkit.Eventually(t, "the inotify instances", func() bool { return strings.Contains(out.String(), "inotify=") })
		return &out
	}
	first := hog(limit + 10)
	testkit.Eventually(t, "the first sandbox's report", func() bool { return strings.Contains(first.String(), "inotify_error=") })
	if want := fmt.Sprintf("inotify=%d\ninotify_error=EMFILE", limit); !strings.Contains(first.String(), want) {
		t.Fatalf("first sandbox: %q, want %q", first.String(), want)
	}
	second := hog(1)
	if !strings.Contains(second.String(), "inotify=1\n") || strings.Contains(second.String(), "inotify_error") {
		t.Errorf("second sandbox, with the first holding all its instances: %q, want inotify=1", second.String())
	}
}

func TestCheckReachable(t *testing.T) {
	dir := t.TempDir() // 0700, as its parent
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckReachable(tree); !errors.Is(err, ErrRootUnreachable) {
		t.Errorf("under a 0700 directory: %v, want ErrRootUnreachable", err)
	}
	for _, d := range []string{filepath.Dir(dir), dir} {
		os.Chmod(d, 0o711)
	}
	if err := CheckReachable(tree); err != nil {
		t.Errorf("under 0711 directories: %v", err)
	}
}

// A freed slot is taken again, with its namespace, before any new one;
// past the range's last slot, Create gets ErrNoUIDs.
func TestUIDPoolSlots(t *testing.T) {
	p := newUIDPool(DefaultFirstUID)
	p.next = UIDsPerRange / 2 // every slot handed out
	if _, err := p.get(lambda.UID, lambda.GID); !errors.Is(err, ErrNoUIDs) {
		t.Errorf("past the range: %v, want ErrNoUIDs", err)
	}
	ns, err := os.Open(os.DevNull) // stands for a namespace made earlier
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	freed := &userNS{slot: 7, uid: DefaultFirstUID + 14, root: DefaultFirstUID + 15, ns: ns, inUID: lambda.UID, inGID: lambda.GID}
	p.put(freed)
	if got, err := p.get(lambda.UID, lambda.GID); err != nil || got != freed {
		t.Errorf("get = %+v, %v; want the freed slot 7 and its namespace", got, err)
	}
}

// TestUIDPoolAhead: with ahead, a pool that has to make a slot also makes
// that many more in the background, and a get takes a ready one (its
// namespace made already) and starts the next; a freed slot is reused first
// and makes nothing.
func TestUIDPoolAhead(t *testing.T) {
	sandboxtest.RequireRoot(t)
	p := newUIDPool(DefaultFirstUID)
	p.setAhead(2)
	settled := func(ready, next int) func() bool {
		return func() bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.making == 0 && len(p.ready) == ready && p.next == next
		}
	}
	first, err := p.get(lambda.UID, lambda.GID)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "two slots made ahead", settled(2, 3))
	p.mu.Lock()
	ahead := p.ready[0]
	p.mu.Unlock()
	second, err := p.get(lambda.UID, lambda.GID)
	if err != nil || second != ahead || second.ns == nil {
		t.Fatalf("get = %+v, %v; want the first slot made ahead, its namespace ready", second, err)
	}
	testkit.Eventually(t, "the ready slots made up again", settled(2, 4))
	p.put(first)
	if got, err := p.get(lambda.UID, lambda.GID); err != nil || got != first {
		t.Errorf("get = %+v, %v; want the freed slot", got, err)
	}
	if !settled(2, 4)() {
		t.Error("reusing a freed slot made another ahead")
	}
	for _, u := range append(p.ready, first, second) {
		u.ns.Close()
	}
}

// BenchmarkNewUserNS measures what a sandbox slot's first use adds to its
// sandbox's start: the holder process, the maps, the namespace opened (later
// sandboxes on the slot reuse the namespace).
//
//	sudo go test -run '^$' -bench NewUserNS -benchtime 200x ./sandbox/
func BenchmarkNewUserNS(b *testing.B) {
	sandboxtest.RequireRoot(b)
	samples := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		ns, err := newUserNS(DefaultFirstUID+2*(i%100), DefaultFirstUID+2*(i%100)+1, lambda.UID, lambda.GID)
		samples = append(samples, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		ns.Close()
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(samples[len(samples)*99/100].Microseconds())/1000, "p99-ms")
}
