package sandbox

import (
	"os"

	_ "github.com/opencontainers/cgroups/devices" // lets the cgroup manager set device rules
	"github.com/opencontainers/runc/libcontainer"
	_ "github.com/opencontainers/runc/libcontainer/nsenter" // the cgo half of the container init
)

// libcontainer starts every container by re-executing the current binary as
// "<argv0> init"; this hook turns that process into the container's init.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		libcontainer.Init()
	}
}
