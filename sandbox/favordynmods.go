package sandbox

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

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
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("favordynmods: %w", err)
	}
	m, ok := findCgroup2Mount(string(info))
	if !ok || slices.Contains(m.superOpts, "favordynmods") {
		return "", nil
	}
	flags, data, err := m.remount("favordynmods")
	if err != nil {
		return "", fmt.Errorf("favordynmods: %s: %w", m.point, err)
	}
	if err := unix.Mount("", m.point, "", flags, data); err != nil {
		return "", fmt.Errorf("favordynmods: remount %s -o %s: %w", m.point, data, err)
	}
	// Check that the remount kept everything else.
	info, err = os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return m.point, fmt.Errorf("favordynmods: %w", err)
	}
	now, ok := findCgroup2Mount(string(info))
	switch {
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

// cgroup2Mount is a cgroup2 mount as /proc/self/mountinfo shows it.
type cgroup2Mount struct {
	point     string
	mountOpts []string // per mount: rw, nosuid, relatime, …
	superOpts []string // of the hierarchy: rw, nsdelegate, …
}

// findCgroup2Mount finds the host's cgroup2 hierarchy in a mountinfo table:
// /sys/fs/cgroup (cgroup v2) or /sys/fs/cgroup/unified (hybrid) if mounted,
// else the first mount of its root.
func findCgroup2Mount(mountinfo string) (cgroup2Mount, bool) {
	var found []cgroup2Mount
	for _, line := range strings.Split(mountinfo, "\n") {
		// id parent major:minor root mountpoint options [optional…] - fstype source superoptions
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 3 || g[0] != "cgroup2" || f[3] != "/" {
			continue
		}
		found = append(found, cgroup2Mount{
			point:     f[4], // a mount point with a space (\040 here) fails the remount: fine
			mountOpts: strings.Split(f[5], ","),
			superOpts: strings.Split(g[2], ","),
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
