package sandbox

import (
	"fmt"
	"os"

	"github.com/opencontainers/cgroups"
	devices "github.com/opencontainers/cgroups/devices/config"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"golang.org/x/sys/unix"
)

// The /proc paths runc masks and makes read-only by default.
var (
	maskedPaths = []string{
		"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
		"/proc/timer_stats",
	}
	readonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

const (
	mountNoExec = unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_NODEV
	bindRO      = unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV
)

// containerConfig turns a validated request into a libcontainer config;
// netnsPath, if set, is the network namespace to join instead of a new one.
func containerConfig(r *CreateRequest, cgroupPath, netnsPath string) *configs.Config {
	mounts := []*configs.Mount{
		{Source: "proc", Destination: "/proc", Device: "proc", Flags: mountNoExec},
		{Source: "tmpfs", Destination: "/dev", Device: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_STRICTATIME | unix.MS_NOEXEC, Data: "mode=755,size=64k"},
	}
	for _, b := range r.Binds {
		mounts = append(mounts, bind(b.Source, b.Destination, bindRO))
	}
	mounts = append(mounts,
		bind(r.CodeDir, TaskDir, bindRO),
		bind(r.RuntimeDir, RuntimeDir, bindRO),
		// Connecting to a socket needs no write access to its file system.
		bind(r.SocketDir, SocketDir, bindRO|unix.MS_NOEXEC),
		&configs.Mount{
			Source: "tmpfs", Destination: "/tmp", Device: "tmpfs",
			Flags: unix.MS_NOSUID | unix.MS_NODEV,
			Data:  fmt.Sprintf("mode=1777,size=%dm", r.EphemeralMB),
		},
	)
	if r.OptDir != "" {
		mounts = append(mounts, bind(r.OptDir, OptDir, bindRO))
	}

	var rules []*devices.Rule
	for _, d := range specconv.AllowedDevices {
		rules = append(rules, &d.Rule)
	}
	memory := int64(r.MemoryMB) << 20
	pids := int64(MaxPids)

	namespaces := configs.Namespaces{
		{Type: configs.NEWNS}, {Type: configs.NEWUTS}, {Type: configs.NEWIPC},
		{Type: configs.NEWPID}, {Type: configs.NEWNET, Path: netnsPath},
	}
	if _, err := os.Stat("/proc/self/ns/cgroup"); err == nil {
		namespaces = append(namespaces, configs.Namespace{Type: configs.NEWCGROUP})
	}

	return &configs.Config{
		Rootfs:          r.Rootfs,
		Readonlyfs:      true,
		NoNewPrivileges: true,
		Capabilities:    &configs.Capabilities{},
		Namespaces:      namespaces,
		Hostname:        "localhost",
		Mounts:          mounts,
		Devices:         specconv.AllowedDevices,
		MaskPaths:       maskedPaths,
		ReadonlyPaths:   readonlyPaths,
		Networks:        []*configs.Network{{Type: "loopback"}},
		Rlimits: []configs.Rlimit{
			{Type: unix.RLIMIT_NOFILE, Hard: MaxOpenFiles, Soft: MaxOpenFiles},
		},
		Cgroups: &cgroups.Cgroup{
			Path: cgroupPath,
			Resources: &cgroups.Resources{
				Devices:    rules,
				Memory:     memory,
				MemorySwap: memory, // memory+swap = memory: no swap
				// The quota is applied by Start once the function's first
				// process runs: container setup is lambdad's work, and a
				// 128 MB quota (7 ms per 100 ms) would throttle it.
				CpuPeriod: cpuPeriodMicroseconds,
				PidsLimit: &pids,
			},
		},
	}
}

func bind(src, dst string, flags int) *configs.Mount {
	return &configs.Mount{Source: src, Destination: dst, Device: "bind", Flags: flags}
}
