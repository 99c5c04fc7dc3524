package host

import (
	"slices"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// parseMountinfo parses a mountinfo table as /proc/self/mountinfo is.
func parseMountinfo(t *testing.T, table string) []*mountinfo.Info {
	t.Helper()
	mounts, err := mountinfo.GetMountsFromReader(strings.NewReader(table), nil)
	if err != nil {
		t.Fatal(err)
	}
	return mounts
}

const (
	hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
`
	// systemd's v2 host, with a container's bind of a sub-tree first.
	v2Mountinfo = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
90 22 0:26 /system.slice/x.service /var/lib/x/cgroup rw,nosuid shared:40 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
26 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
91 22 0:26 / /mnt/cg ro,nosuid shared:41 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`
	v1Mountinfo = `32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
`
)

func TestFindCgroup2Mount(t *testing.T) {
	for _, tc := range []struct {
		name, mountinfo, point string
	}{
		{"hybrid", hybridMountinfo, "/sys/fs/cgroup/unified"},
		{"v2", v2Mountinfo, "/sys/fs/cgroup"},
		{"only elsewhere", "91 22 0:26 / /mnt/cg ro,nosuid shared:41 - cgroup2 cgroup2 rw\n", "/mnt/cg"},
		{"v1", v1Mountinfo, ""},
		{"sub-tree only", "90 22 0:26 /a.slice /var/cg rw - cgroup2 cgroup2 rw\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := findCgroup2Mount(parseMountinfo(t, tc.mountinfo))
			if ok != (tc.point != "") || m.point != tc.point {
				t.Errorf("found %q (%v), want %q", m.point, ok, tc.point)
			}
		})
	}
}

// A remount gives every current option again, or it would drop it.
func TestRemountKeepsOptions(t *testing.T) {
	m, _ := findCgroup2Mount(parseMountinfo(t, v2Mountinfo))
	flags, data, err := m.remount("favordynmods")
	if err != nil {
		t.Fatal(err)
	}
	want := uintptr(unix.MS_REMOUNT | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME)
	if flags != want || data != "nsdelegate,memory_recursiveprot,favordynmods" {
		t.Errorf("remount flags %#x data %q, want %#x %q", flags, data, want, "nsdelegate,memory_recursiveprot,favordynmods")
	}
	m.mountOpts = append(m.mountOpts, "idmapped")
	if _, _, err := m.remount("favordynmods"); err == nil {
		t.Error("remount with an option it does not know: no error")
	}
	ro := cgroup2Mount{point: "/x", mountOpts: []string{"ro"}, superOpts: []string{"ro"}}
	if flags, data, _ := ro.remount("favordynmods"); flags != unix.MS_REMOUNT|unix.MS_RDONLY || data != "favordynmods" {
		t.Errorf("read-only mount: flags %#x data %q", flags, data)
	}
	if !slices.Equal(m.superOpts, []string{"rw", "nsdelegate", "memory_recursiveprot"}) {
		t.Errorf("remount changed the mount's options: %v", m.superOpts)
	}
}
