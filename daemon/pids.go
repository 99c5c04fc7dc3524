package daemon

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/launcher"
)

// MaxPidsLimit is the largest pids.max the kernel takes (PID_MAX_LIMIT).
const MaxPidsLimit = 4 << 20

// defaultMaxPids is half the host's task capacity: the smaller of
// kernel.pid_max (pid numbers) and kernel.threads-max (tasks the kernel
// will make, sized from memory), so that sandboxes can never take more
// than half of either and the host's own services keep the other half.
func defaultMaxPids() (int, error) {
	capacity := 0
	for _, f := range []string{"/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, fmt.Errorf("daemon: host pids: %w", err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return 0, fmt.Errorf("daemon: host pids: %s: %w", f, err)
		}
		if capacity == 0 || n < capacity {
			capacity = n
		}
	}
	return min(capacity/2, MaxPidsLimit), nil
}

// instancePids is what of maxPids the scheduler may reserve for instances
// (lambda.MaxPids each): what the spares may hold is set aside. It is an
// error if not one instance fits.
func instancePids(maxPids, spares int) (int, error) {
	if maxPids > MaxPidsLimit {
		return 0, fmt.Errorf("daemon: --max-pids %d: above the kernel's largest pids.max, %d", maxPids, MaxPidsLimit)
	}
	budget := maxPids - spares*launcher.SparePids
	if budget < lambda.MaxPids {
		return 0, fmt.Errorf("daemon: --max-pids %d holds not one sandbox: each reserves its %d pids, after %d for the %d spares (%d each)",
			maxPids, lambda.MaxPids, spares*launcher.SparePids, spares, launcher.SparePids)
	}
	return budget, nil
}
