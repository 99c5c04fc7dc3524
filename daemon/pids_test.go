package daemon

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// bombBootstrap answers its first event, then fork-bombs its sandbox and
// holds it: the instance is idle for the scheduler, its pids full.
const bombBootstrap = `#!/var/task/sh
PATH=/var/task:$PATH
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation
id=$(wget -S -O /tmp/event "$api/next" 2>&1 | sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' | tr -d '\r')
wget -q -O /dev/null --post-file=/tmp/event "$api/$id/response"
f() { f | f & }
f
exec sleep 100000
`

// holdBootstrap answers each event once /var/task/release exists (the
// test makes it on the host: the code is a bind of its directory).
const holdBootstrap = `#!/var/task/sh
PATH=/var/task:$PATH
api=http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation
while :; do
	id=$(wget -S -O /tmp/event "$api/next" 2>&1 | sed -n 's/^ *Lambda-Runtime-Aws-Request-Id: *//p' | tr -d '\r')
	while [ ! -e /var/task/release ]; do sleep 0.05; done
	wget -q -O /dev/null --post-file=/tmp/event "$api/$id/response"
done
`

// pidsFunctions makes the functions bomb, hold and echo.
func pidsFunctions(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, bootstrap := range map[string]string{"bomb": bombBootstrap, "hold": holdBootstrap, "echo": echoBootstrap} {
		fn := filepath.Join(dir, name)
		steps := []func() error{
			func() error { return os.MkdirAll(fn, 0o755) },
			func() error { return sandboxtest.BusyboxDir(fn) },
			func() error { return os.WriteFile(filepath.Join(fn, "bootstrap"), []byte(bootstrap), 0o755) },
			func() error {
				return os.WriteFile(filepath.Join(fn, "function.json"), []byte(`{"Runtime":"provided.al2023","Timeout":60,"MemorySize":512}`), 0o644)
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// parentPidsFile reads a file of the cgroup parent in the pids hierarchy
// (cgroup v1) or the unified one (v2).
func parentPidsFile(t *testing.T, name string) int {
	t.Helper()
	for _, dir := range []string{"/sys/fs/cgroup/pids" + testCgroupParent, "/sys/fs/cgroup" + testCgroupParent} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			n, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s of %s", name, testCgroupParent)
	return 0
}

// sandboxes lists the sandboxes' cgroups under the parent.
func sandboxes() []string {
	var list []string
	for _, pattern := range []string{"/sys/fs/cgroup/pids" + testCgroupParent + "/*", "/sys/fs/cgroup" + testCgroupParent + "/*"} {
		dirs, _ := filepath.Glob(pattern)
		for _, d := range dirs {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				list = append(list, filepath.Base(d))
			}
		}
	}
	return list
}

func post(t *testing.T, d *Daemon, name string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post("http://"+d.Addr().String()+"/2015-03-31/functions/"+name+"/invocations", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Error(err)
		return nil, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// --max-pids is the cgroup parent's pids.max, and each sandbox reserves its
// own 1024 of it: a fork bomb fills only its own sandbox's share, another
// function still starts beside it, and a start beyond the budget is a 429
// naming --max-pids. The daemon's stop removes the parent it made.
func TestMaxPidsReservesEachSandboxesPids(t *testing.T) {
	const maxPids = 2*lambda.MaxPids + 64 // two sandboxes
	functions := pidsFunctions(t)
	d, cfg := newDaemonWith(t, func(cfg *Config) {
		cfg.FunctionsDir, cfg.MaxPids, cfg.Spares, cfg.Network = functions, maxPids, 0, "none"
		cfg.MemoryBudgetMB = 1 << 20 // the pids budget alone binds, whatever the host's memory
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	release := filepath.Join(functions, "hold", "release")
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		os.WriteFile(release, nil, 0o644)
		cancel()
		select {
		case err := <-ran:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("Run did not return after its ctx ended")
		}
	}
	t.Cleanup(stop) // also after a failure: nothing may outlive the test
	if got := parentPidsFile(t, "pids.max"); got != maxPids {
		t.Errorf("the cgroup parent's pids.max is %d, want --max-pids %d", got, maxPids)
	}

	if resp, body := post(t, d, "bomb"); resp == nil || resp.StatusCode != 200 {
		t.Fatalf("bomb: %v %s", resp, body)
	}
	bomb := sandboxes()
	if len(bomb) != 1 {
		t.Fatalf("sandboxes %v, want the bomb's", bomb)
	}
	testkit.Eventually(t, "the fork bomb to fill its sandbox", func() bool {
		return parentPidsFile(t, "pids.current") >= lambda.MaxPids-16
	})
	// Another function starts beside the bomb.
	held := make(chan string, 2)
	holdOne := func() {
		resp, body := post(t, d, "hold")
		if resp == nil || resp.StatusCode != 200 {
			t.Errorf("hold: %v %s", resp, body)
		}
		held <- body
	}
	go holdOne()
	testkit.Eventually(t, "hold to start beside the bomb", func() bool { return len(sandboxes()) == 2 })
	// A second hold takes the bomb's room (idle: evicted), and then
	// nothing has room.
	go holdOne()
	testkit.Eventually(t, "the second hold in place of the bomb", func() bool {
		now := sandboxes()
		return len(now) == 2 && !slices.Contains(now, bomb[0])
	})
	resp, body := post(t, d, "echo")
	if resp == nil {
		t.FailNow()
	}
	var e struct{ Type, Reason, Message string }
	json.Unmarshal([]byte(body), &e)
	if resp.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" || e.Type != "User" ||
		e.Reason != "ConcurrentInvocationLimitExceeded" || !strings.Contains(e.Message, "--max-pids") {
		t.Errorf("beyond --max-pids: %s %s, want a TooManyRequestsException naming --max-pids", resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	if n := parentPidsFile(t, "pids.current"); n > maxPids {
		t.Errorf("sandboxes hold %d pids, above --max-pids %d", n, maxPids)
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := <-held; got != "{}" {
			t.Errorf("hold answered %q", got)
		}
	}
	stop()
	if left := leftOf(cfg); len(left) > 0 {
		t.Errorf("left after Run returned: %v", left)
	}
}

func TestInstancePids(t *testing.T) {
	for _, tc := range []struct {
		maxPids, spares, want int // want 0: refused
	}{
		{16384, 32, 16384 - 32*32},
		{1024, 0, 1024},
		{1023, 0, 0},
		{2048, 33, 0}, // the spares' 1056 leave 992
		{MaxPidsLimit, 0, MaxPidsLimit},
		{MaxPidsLimit + 1, 0, 0},
	} {
		got, err := instancePids(tc.maxPids, tc.spares)
		if tc.want == 0 {
			if err == nil || !strings.Contains(err.Error(), "--max-pids") {
				t.Errorf("instancePids(%d, %d) = %d, %v; want an error naming --max-pids", tc.maxPids, tc.spares, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("instancePids(%d, %d) = %d, %v; want %d", tc.maxPids, tc.spares, got, err, tc.want)
		}
	}
}

func TestDefaultMaxPidsIsHalfTheSmallerCapacity(t *testing.T) {
	read := func(f string) int {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := min(read("/proc/sys/kernel/pid_max"), read("/proc/sys/kernel/threads-max")) / 2
	if got, err := defaultMaxPids(); err != nil || got != min(want, MaxPidsLimit) {
		t.Errorf("defaultMaxPids() = %d, %v; want %d", got, err, want)
	}
}
