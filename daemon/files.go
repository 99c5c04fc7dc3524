package daemon

import (
	"log/slog"
	"syscall"

	"github.com/lambdad/lambdad/runtimeapi"
)

// filesPerSandbox is what one sandbox holds of the daemon's file
// descriptors besides its Runtime API connections: its listener, its
// init's pipes, a cgroup file kept open (6 to 8 on the development VM).
const filesPerSandbox = 8

// warnFileLimit warns when the daemon's RLIMIT_NOFILE could not hold
// every sandbox at its Runtime API's connection limit. Go raises the soft
// limit to the hard one at start (Go 1.19+): only the hard limit matters.
func warnFileLimit(cfg Config, logger *slog.Logger) {
	if cfg.MaxSandboxes == 0 {
		return
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	conns := cfg.RuntimeAPIMaxConns
	if conns == 0 {
		conns = runtimeapi.DefaultMaxConns
	}
	need := uint64(cfg.MaxSandboxes+cfg.Spares)*uint64(conns+filesPerSandbox) + 1024
	if lim.Cur < need {
		logger.Warn("the open files limit may be too small for --max-sandboxes at --runtime-api-max-conns each: raise it (LimitNOFILE= in a systemd unit, ulimit -n)",
			"limit", lim.Cur, "need", need)
	}
}
