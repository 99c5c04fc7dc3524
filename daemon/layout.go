package daemon

import (
	"path/filepath"

	"github.com/lambdad/lambdad/funclog"
	"github.com/lambdad/lambdad/host"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox"
)

// Defaults of the on-disk layout.
const (
	DefaultStateDir     = "/var/lib/lambdad" // persistent: base trees
	DefaultRunDir       = "/run/lambdad"     // runtime (a tmpfs): sandboxes' state
	DefaultFunctionsDir = "/var/lib/lambdad/functions"
)

// RootfsStore opens the base trees kept under stateDir.
func RootfsStore(stateDir string) (*rootfs.Store, error) {
	return rootfs.NewStore(filepath.Join(stateDir, "rootfs"))
}

// SandboxManager opens the sandboxes' state under runDir, their cgroups
// under cgroupParent ("" for sandbox.DefaultCgroupParent), their host uids
// from firstUID (0 for sandbox.DefaultFirstUID).
func SandboxManager(runDir, cgroupParent string, firstUID int) (*sandbox.Manager, error) {
	return sandbox.NewManager(sandbox.Config{
		StateDir:     filepath.Join(runDir, host.StateSubdir),
		CgroupParent: cgroupParent,
		FirstUID:     firstUID,
	})
}

// LogsDir is where functions' logs are kept under stateDir (package
// funclog), for serve to write and lambdad logs to read.
func LogsDir(stateDir string) string { return filepath.Join(stateDir, "logs") }

// DefaultLogRetainBytes bounds each function's logs on disk.
const DefaultLogRetainBytes = funclog.DefaultRetainBytes

// AsyncQueuePath is the async queue's database under stateDir (package
// asyncq).
func AsyncQueuePath(stateDir string) string {
	return filepath.Join(stateDir, "async", "queue.db")
}
