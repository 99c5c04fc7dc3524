package host

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// FavorDynmods remounts the host's cgroup2 hierarchy with the favordynmods
// option (Linux 6.0 and later) unless it has it already, keeping every other
// option as it was; it returns the mount point it remounted, or "" if there
// was nothing to do (the option set, or no cgroup2 hierarchy mounted).
//
// libcontainer moves every new sandbox's init into its cgroups by writing
// cgroup.procs, with the sandbox's process waiting for it. Such a move takes
// the kernel's cgroup_threadgroup_rwsem for writing, which without
// favordynmods waits for an RCU grace period unless another move came just
// before: 10-20 ms of every sandbox started on its own on the development
// VM. favordynmods keeps that lock in the mode that needs no grace period,
// at the cost of a little more work in every fork and exit on the host. The
// lock is shared by all hierarchies, so remounting the cgroup2 one does for
// the v1 controllers of a hybrid host too. The option outlives lambdad.
func FavorDynmods() (string, error) {
	m, ok, err := hostCgroup2Mount()
	if err != nil || !ok || slices.Contains(m.superOpts, "favordynmods") {
		return "", err
	}
	flags, data, err := m.remount("favordynmods")
	if err != nil {
		return "", fmt.Errorf("favordynmods: %s: %w", m.point, err)
	}
	if err := unix.Mount("", m.point, "", flags, data); err != nil {
		return "", fmt.Errorf("favordynmods: remount %s -o %s: %w", m.point, data, err)
	}
	// Check that the remount kept everything else.
	now, ok, err := hostCgroup2Mount()
	switch {
	case err != nil:
		return m.point, err
	case !ok:
		return m.point, fmt.Errorf("favordynmods: %s is gone after the remount", m.point)
	case !slices.Equal(now.mountOpts, m.mountOpts) || !slices.Equal(without(now.superOpts, "favordynmods"), m.superOpts):
		return m.point, fmt.Errorf("favordynmods: remounting %s changed its options from %s %s to %s %s",
			m.point, strings.Join(m.mountOpts, ","), strings.Join(m.superOpts, ","), strings.Join(now.mountOpts, ","), strings.Join(now.superOpts, ","))
	case !slices.Contains(now.superOpts, "favordynmods"):
		return "", errors.New("favordynmods: the kernel took the remount but did not set the option")
	}
	return m.point, nil
}

// hostCgroup2Mount finds the host's cgroup2 hierarchy in this process's
// mount table.
func hostCgroup2Mount() (cgroup2Mount, bool, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup2"))
	if err != nil {
		return cgroup2Mount{}, false, fmt.Errorf("favordynmods: %w", err)
	}
	m, ok := findCgroup2Mount(mounts)
	return m, ok, nil
}

// cgroup2Mount is a cgroup2 mount as /proc/self/mountinfo shows it.
type cgroup2Mount struct {
	point     string
	mountOpts []string // per mount: rw, nosuid, relatime, …
	superOpts []string // of the hierarchy: rw, nsdelegate, …
}

// findCgroup2Mount picks the host's cgroup2 hierarchy among mounts:
// /sys/fs/cgroup (cgroup v2) or /sys/fs/cgroup/unified (hybrid) if mounted,
// else the first mount of its root.
func findCgroup2Mount(mounts []*mountinfo.Info) (cgroup2Mount, bool) {
	var found []cgroup2Mount
	for _, mi := range mounts {
		if mi.FSType != "cgroup2" || mi.Root != "/" {
			continue
		}
		found = append(found, cgroup2Mount{
			point:     mi.Mountpoint,
			mountOpts: strings.Split(mi.Options, ","),
			superOpts: strings.Split(mi.VFSOptions, ","),
		})
	}
	for _, want := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		if i := slices.IndexFunc(found, func(m cgroup2Mount) bool { return m.point == want }); i >= 0 {
			return found[i], true
		}
	}
	if len(found) > 0 {
		return found[0], true
	}
	return cgroup2Mount{}, false
}

// mountFlags are the per-mount options mountinfo shows, as mount(2) flags.
var mountFlags = map[string]uintptr{
	"rw": 0, "ro": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV,
	"noexec": unix.MS_NOEXEC, "noatime": unix.MS_NOATIME, "nodiratime": unix.MS_NODIRATIME,
	"relatime": unix.MS_RELATIME, "strictatime": unix.MS_STRICTATIME, "nosymfollow": unix.MS_NOSYMFOLLOW,
}

// remount returns mount(2)'s flags and data to remount m with opt added. A
// remount sets the mount's flags and the hierarchy's options to exactly
// those given, so every current one is given again.
func (m cgroup2Mount) remount(opt string) (uintptr, string, error) {
	flags := uintptr(unix.MS_REMOUNT)
	for _, o := range m.mountOpts {
		f, ok := mountFlags[o]
		if !ok {
			return 0, "", fmt.Errorf("mount option %q not understood: not remounting", o)
		}
		flags |= f
	}
	data := append(without(without(m.superOpts, "rw"), "ro"), opt)
	return flags, strings.Join(data, ","), nil
}

func without(opts []string, opt string) []string {
	return slices.DeleteFunc(slices.Clone(opts), func(o string) bool { return o == opt })
}
