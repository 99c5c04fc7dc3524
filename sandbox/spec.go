package sandbox

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/lambdad/lambdad/lambda"
)

// A sandbox is described as an OCI runtime spec (specs.Spec), the form runc
// and every OCI runtime read, and libcontainer's specconv turns that into
// its own config, as runc does. The same spec, written out, is a bundle that
// `runc run` starts (bundle.go).

// The /proc paths runc and Docker mask and make read-only by default, and
// what the host's kernel tells of its build and of its users' keys.
var (
	maskedPaths = []string{
		"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
		"/proc/timer_stats", "/proc/config.gz", "/proc/key-users",
	}
	readonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

// Mount options. A bound directory is read-only, nosuid and nodev with
// every mount below it (rro, rnosuid, rnodev: mount_setattr, Linux 5.12+).
var (
	bindRO     = []string{"rbind", "ro", "rro", "nosuid", "rnosuid", "nodev", "rnodev"}
	bindFileRO = []string{"bind", "ro", "nosuid", "nodev", "noexec"}
	procOpts   = []string{"nosuid", "noexec", "nodev"}
	devOpts    = []string{"nosuid", "strictatime", "noexec", "mode=755", "size=64k"}
	tmpOptions = []string{"nosuid", "nodev", "mode=1777"}
)

// cpuPeriod is the CFS period, in microseconds, of every sandbox's quota.
const cpuPeriod = 100000

// specFor describes the sandbox of r: its root, mounts, namespaces (joining
// netnsPath if set), cgroup path and resources, rlimits, masked paths and
// process. The CPU quota is left out unless withQuota: lambdad writes it
// once the sandbox runs (see Start).
func specFor(r *CreateRequest, cgroupPath, netnsPath string, withQuota bool) *specs.Spec {
	mounts := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: procOpts},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: devOpts},
	}
	for _, b := range r.Root.Binds {
		mounts = append(mounts, bind(b.Source, b.Destination))
	}
	if r.CodeDir != "" {
		mounts = append(mounts, bind(r.CodeDir, lambda.TaskDir))
	}
	mounts = append(mounts,
		bind(r.RuntimeDir, lambda.LambdadDir),
		specs.Mount{Destination: lambda.TmpDir, Type: "tmpfs", Source: "tmpfs",
			Options: append(tmpOptions[:len(tmpOptions):len(tmpOptions)], fmt.Sprintf("size=%dm", r.EphemeralMB))},
	)
	if r.OptDir != "" {
		mounts = append(mounts, bind(r.OptDir, lambda.OptDir))
	}
	for _, f := range r.Files {
		mounts = append(mounts, specs.Mount{Destination: f.Destination, Type: "bind", Source: f.Source, Options: bindFileRO})
	}

	namespaces := []specs.LinuxNamespace{
		{Type: specs.MountNamespace}, {Type: specs.UTSNamespace}, {Type: specs.IPCNamespace},
		{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace, Path: netnsPath},
	}
	if haveCgroupNamespaces() {
		namespaces = append(namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	memory := int64(r.MemoryMB) << 20
	pids := int64(lambda.MaxPids)
	period := uint64(cpuPeriod)
	cpu := &specs.LinuxCPU{Period: &period}
	if withQuota {
		quota := cpuQuota(r.MemoryMB)
		cpu.Quota = &quota
	}
	return &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: r.Root.Path, Readonly: true},
		Hostname: lambda.Hostname,
		Process: &specs.Process{
			Args: initArgs(r.Args, false, initFDs{seccomp: -1, control: -1, extensionOutput: -1}),
			Env:  r.Env,
			Cwd:  cmp.Or(r.Cwd, lambda.TaskDir),
			User: specs.User{UID: uint32(r.UID), GID: uint32(r.GID)},
			// Empty sets, not nil: no capabilities at all.
			Capabilities: &specs.LinuxCapabilities{
				Bounding: []string{}, Effective: []string{}, Inheritable: []string{}, Permitted: []string{}, Ambient: []string{},
			},
			NoNewPrivileges: true,
			// No Rlimits: the init sets the open-file limit (initArgs).
		},
		Mounts: mounts,
		Linux: &specs.Linux{
			Namespaces:  namespaces,
			CgroupsPath: cgroupPath,
			Resources: &specs.LinuxResources{
				// Deny every device; specconv then allows runc's defaults
				// (null, zero, full, random, urandom, tty, …).
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
				// Memory and memory+swap alike: no swap.
				Memory: &specs.LinuxMemory{Limit: &memory, Swap: &memory},
				CPU:    cpu,
				Pids:   &specs.LinuxPids{Limit: &pids},
			},
			MaskedPaths:   maskedPaths,
			ReadonlyPaths: readonlyPaths,
		},
	}
}

func bind(src, dst string) specs.Mount {
	return specs.Mount{Destination: dst, Type: "bind", Source: src, Options: bindRO}
}

// initArgs is the sandbox's first process: lambdad's in-sandbox init,
// which starts cmd with Lambda's limit of open files; with hold, once the
// daemon releases it (Prestart); with a seccompFD (not -1), under the
// filter it reads from that fd. The init sets the limit itself: libcontainer
// would prlimit(2) it from the daemon, which needs CAP_SYS_RESOURCE over
// the sandbox's user namespace (userns.go), and a daemon in a container may
// lack it.
// initFDs are the init's extra descriptors its flags name; -1: none.
type initFDs struct {
	seccomp, control, extensionOutput int
}

func initArgs(cmd []string, hold bool, fds initFDs) []string {
	args := make([]string, 0, len(cmd)+11)
	args = append(args, lambda.InitPath, "--nofile", strconv.Itoa(lambda.MaxOpenFiles))
	if hold {
		args = append(args, "--hold")
	}
	if fds.seccomp >= 0 {
		args = append(args, "--seccomp-fd", strconv.Itoa(fds.seccomp))
	}
	if fds.control >= 0 {
		args = append(args, "--control-fd", strconv.Itoa(fds.control), "--extensions", lambda.ExtensionsDir)
	}
	if fds.extensionOutput >= 0 {
		args = append(args, "--extension-output-fd", strconv.Itoa(fds.extensionOutput))
	}
	return append(append(args, "--"), cmd...)
}

// hostNetwork makes spec's sandbox share the host's network namespace.
func hostNetwork(spec *specs.Spec) {
	ns := spec.Linux.Namespaces[:0]
	for _, n := range spec.Linux.Namespaces {
		if n.Type != specs.NetworkNamespace {
			ns = append(ns, n)
		}
	}
	spec.Linux.Namespaces = ns
}

// haveCgroupNamespaces tells whether the kernel has cgroup namespaces
// (Linux 4.6 and later).
var haveCgroupNamespaces = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/ns/cgroup")
	return err == nil
})

// containerConfig turns spec into libcontainer's config, as runc does.
func containerConfig(id string, spec *specs.Spec) (*configs.Config, error) {
	config, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{CgroupName: id, Spec: spec})
	if err != nil {
		return nil, fmt.Errorf("spec to libcontainer config: %w", err)
	}
	return config, nil
}

// process is the libcontainer process of spec.Process, the sandbox's init,
// its output discarded until initProcess gives it its pipes: the caller's
// writers are never handed to the sandbox (a terminal it could tcsetattr or
// push input into with TIOCSTI, a file it could truncate). Its stdin is
// /dev/null.
func process(spec *specs.Spec) *libcontainer.Process {
	p := spec.Process
	return &libcontainer.Process{
		Args:   p.Args,
		Env:    p.Env,
		Cwd:    p.Cwd,
		UID:    int(p.User.UID),
		GID:    int(p.User.GID),
		Stdout: io.Discard,
		Stderr: io.Discard,
		Init:   true,
	}
}

// cpuQuota is the CFS quota per 100 ms period for a memory size: Lambda gives
// one vCPU per 1769 MB. The kernel refuses quotas under 1 ms.
func cpuQuota(memoryMB int) int64 {
	q := int64(memoryMB) * cpuPeriod / lambda.MemoryMBPerVCPU
	return max(q, 1000)
}

// cpuMax is cgroup v2's cpu.max for a memory size.
func cpuMax(memoryMB int) string {
	return strconv.FormatInt(cpuQuota(memoryMB), 10) + " " + strconv.Itoa(cpuPeriod)
}
