package sandbox

import (
	"os"
	"runtime"

	_ "github.com/opencontainers/cgroups/devices" // lets the cgroup manager set device rules
	"github.com/opencontainers/runc/libcontainer"
	_ "github.com/opencontainers/runc/libcontainer/nsenter" // the cgo half of the container init
)

// libcontainer starts every container by re-executing the current binary as
// "<argv0> init"; this hook turns that process into the container's init.
//
// Everywhere else the main goroutine keeps the main thread for itself:
// libcontainer joins a sandbox's mount namespace from a goroutine that exits
// with its thread locked, and Go cannot end the main thread, so it would be
// parked there for good — holding the sandbox's mounts and /tmp alive and
// making /proc/self/mountinfo show the sandbox's mounts.
func init() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "init":
			libcontainer.Init()
		case usernsHoldArg:
			holdUserNS()
		}
	}
	runtime.LockOSThread()
}
