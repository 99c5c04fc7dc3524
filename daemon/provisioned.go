package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/lambdad/lambdad/function"
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

// allotProvisioned gives provisioned concurrency to fns (in order: the
// catalog lists them by name and version) while it fits the room the
// limits leave (provisionedRoom), and returns those it fits. A function
// that does not fit keeps running, on demand only: its error is logged and
// returned (by name).
// Refusing the whole daemon for one function's setting would take every
// other function down; refusing the function would stop one that can run
// (Lambda too refuses only the setting, and the function keeps serving on
// demand).
func allotProvisioned(fns []function.Config, maxSandboxes, memoryBudgetMB int, logger *slog.Logger) (fit []function.Config, refused map[string]error) {
	roomN, roomMB := provisionedRoom(maxSandboxes, memoryBudgetMB)
	usedN, usedMB := 0, 0
	refused = map[string]error{}
	for _, fn := range fns {
		n := fn.ProvisionedConcurrency
		if n == 0 {
			continue
		}
		if err := provisionedFits(fn, n, roomN-usedN, roomMB-usedMB, maxSandboxes, memoryBudgetMB); err != nil {
			logger.Error("provisioned concurrency refused; the function runs on demand only", "function", fn.Name, "version", fn.Version, "err", err)
			refused[fn.Name] = err
			continue
		}
		usedN += n
		usedMB += n * fn.MemorySize
		fit = append(fit, fn)
	}
	return fit, refused
}

// provisionedFits says why n provisioned sandboxes of fn do not fit in
// leftN sandboxes and leftMB of memory, or nil.
func provisionedFits(fn function.Config, n, leftN, leftMB, maxSandboxes, memoryBudgetMB int) error {
	switch {
	case n > leftN:
		return fmt.Errorf("%w: function %s: ProvisionedConcurrency %d is more than the %d sandboxes of --max-sandboxes %d left for provisioned ones (%d%% stays for on-demand invokes)",
			ErrProvisionedDoesNotFit, fn.Name, n, leftN, maxSandboxes, onDemandShare)
	case n > leftMB/fn.MemorySize: // (no product: it could overflow)
		return fmt.Errorf("%w: function %s: ProvisionedConcurrency %d × MemorySize %d MB is more than the %d MB of --memory-budget %d MB left for provisioned sandboxes (%d%% stays for on-demand invokes)",
			ErrProvisionedDoesNotFit, fn.Name, n, fn.MemorySize, leftMB, memoryBudgetMB, onDemandShare)
	}
	return nil
}
