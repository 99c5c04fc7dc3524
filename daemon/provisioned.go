package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/lambdad/lambdad/lambda"
)

// ErrProvisionedDoesNotFit: a function's ProvisionedConcurrency does not fit
// what the daemon's limits leave for provisioned sandboxes.
var ErrProvisionedDoesNotFit = errors.New("provisioned concurrency does not fit the daemon's limits")

// Provisioned sandboxes never leave: they may take at most what the limits
// leave once on-demand room is set aside, a tenth of each limit (at least
// one sandbox and one smallest sandbox's memory) — as Lambda keeps 100 of
// an account's 1000 concurrent executions unreserved.
const onDemandShare = 10 // percent of --max-sandboxes and --memory-budget

// provisionedRoom is how many provisioned sandboxes, and how much memory
// for them, the limits allow (a limit of 0 is none: math.MaxInt).
func provisionedRoom(maxSandboxes, memoryBudgetMB int) (sandboxes, memoryMB int) {
	sandboxes, memoryMB = math.MaxInt, math.MaxInt
	if maxSandboxes > 0 {
		sandboxes = max(0, maxSandboxes-max(1, maxSandboxes*onDemandShare/100))
	}
	if memoryBudgetMB > 0 {
		memoryMB = max(0, memoryBudgetMB-max(lambda.MinMemoryMB, memoryBudgetMB*onDemandShare/100))
	}
	return sandboxes, memoryMB
}

// allotProvisioned gives provisioned concurrency to the functions, in name
// order, while it fits the room the limits leave (provisionedRoom). A
// function that does not fit keeps running, on demand only: its
// ProvisionedConcurrency becomes 0, and its error is logged and returned
// (by name). Refusing the whole daemon for one function's setting would take
// every other function down; refusing the function would stop one that can
// run (Lambda too refuses only the setting,
// PutProvisionedConcurrencyConfig's InvalidParameterValueException, and the
// function keeps serving on demand).
func (r *registry) allotProvisioned(maxSandboxes, memoryBudgetMB int, logger *slog.Logger) map[string]error {
	roomN, roomMB := provisionedRoom(maxSandboxes, memoryBudgetMB)
	usedN, usedMB := 0, 0
	refused := map[string]error{}
	for _, fn := range r.byName() {
		n := fn.ProvisionedConcurrency
		if n == 0 {
			continue
		}
		var err error
		switch {
		case n > roomN-usedN:
			err = fmt.Errorf("%w: function %s: ProvisionedConcurrency %d is more than the %d sandboxes of --max-sandboxes %d left for provisioned ones (%d%% stays for on-demand invokes)",
				ErrProvisionedDoesNotFit, fn.Name, n, roomN-usedN, maxSandboxes, onDemandShare)
		case n > (roomMB-usedMB)/fn.MemorySize: // (no product: it could overflow)
			err = fmt.Errorf("%w: function %s: ProvisionedConcurrency %d × MemorySize %d MB is more than the %d MB of --memory-budget %d MB left for provisioned sandboxes (%d%% stays for on-demand invokes)",
				ErrProvisionedDoesNotFit, fn.Name, n, fn.MemorySize, roomMB-usedMB, memoryBudgetMB, onDemandShare)
		}
		if err != nil {
			logger.Error("provisioned concurrency refused; the function runs on demand only", "function", fn.Name, "err", err)
			fn.ProvisionedConcurrency = 0
			r.fns[fn.Name] = fn
			refused[fn.Name] = err
			continue
		}
		usedN += n
		usedMB += n * fn.MemorySize
	}
	return refused
}
