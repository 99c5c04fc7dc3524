package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"
	"golang.org/x/sys/unix"
)

// parentMarker, in the state directory, lists the hierarchies' directories
// of the cgroup parent that lambdad made, one a line, so that RemoveParent
// removes only those, even after a crash and restart (the run directory is
// a tmpfs: the marker lives exactly as long as the cgroups it names). Its
// leading dot keeps Cleanup from taking it for a sandbox.
const parentMarker = ".cgroup-parent"

// SetupParent makes the cgroup parent in every hierarchy (as libcontainer
// makes a sandbox's: on cgroup v2 the controllers are enabled in its
// parents' cgroup.subtree_control) and writes maxPids to its pids.max, an
// aggregate limit on the host pids every sandbox under it may hold
// together. It records which directories it made for RemoveParent.
func (m *Manager) SetupParent(maxPids int64) error {
	cg, err := parentCgroup(m)
	if err != nil {
		return err
	}
	made, err := m.madeParent()
	if err != nil {
		return err
	}
	for _, p := range cg.GetPaths() {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) && !slices.Contains(made, p) {
			made = append(made, p)
		}
	}
	// Recorded before the directories exist: a crash in between leaves a
	// line for a directory that may not exist, which RemoveParent skips.
	if err := writeFileAtomic(filepath.Join(m.stateDir, parentMarker), strings.Join(made, "\n")); err != nil {
		return fmt.Errorf("cgroup parent %s: %w", m.cgroupParent, err)
	}
	if err := cg.Apply(-1); err != nil {
		return fmt.Errorf("cgroup parent %s: %w", m.cgroupParent, err)
	}
	if err := cg.Set(&cgroups.Resources{PidsLimit: &maxPids, SkipDevices: true}); err != nil {
		return fmt.Errorf("cgroup parent %s: pids.max %d: %w", m.cgroupParent, maxPids, err)
	}
	return nil
}

// parentCgroup is the cgroup parent's manager. Devices are skipped: the
// parent leaves them to each sandbox's own rules.
func parentCgroup(m *Manager) (cgroups.Manager, error) {
	cg, err := manager.New(&cgroups.Cgroup{Path: m.cgroupParent, Resources: &cgroups.Resources{SkipDevices: true}})
	if err != nil {
		return nil, fmt.Errorf("cgroup parent %s: %w", m.cgroupParent, err)
	}
	return cg, nil
}

// ParentPidsMax reads the cgroup parent's pids.max (-1 for "max").
func (m *Manager) ParentPidsMax() (int64, error) {
	cg, err := parentCgroup(m)
	if err != nil {
		return 0, err
	}
	s, err := cgroups.ReadFile(cg.Path("pids"), "pids.max")
	if err != nil {
		return 0, fmt.Errorf("cgroup parent %s: %w", m.cgroupParent, err)
	}
	if s = strings.TrimSpace(s); s == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cgroup parent %s: pids.max %q: %w", m.cgroupParent, s, err)
	}
	return n, nil
}

// RemoveParent removes the directories of the cgroup parent that
// SetupParent made (in this run or one that crashed), if they are empty,
// and the record of them: a directory that holds a cgroup (another
// lambdad's sandbox, a `lambdad run`) is left, and ErrParentInUse names it;
// it is then no longer lambdad's to remove.
func (m *Manager) RemoveParent() error {
	made, err := m.madeParent()
	if err != nil {
		return err
	}
	var left []string
	for _, p := range made {
		if err := unix.Rmdir(p); err != nil && err != unix.ENOENT {
			left = append(left, p)
		}
	}
	// The record goes even so: the state directory must be left empty, and
	// a parent shared with others is theirs too.
	if err := os.Remove(filepath.Join(m.stateDir, parentMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cgroup parent %s: %w", m.cgroupParent, err)
	}
	if len(left) > 0 {
		return fmt.Errorf("cgroup parent %s: %w: %s", m.cgroupParent, ErrParentInUse, strings.Join(left, ", "))
	}
	return nil
}

// madeParent reads the marker: the parent's directories lambdad made.
func (m *Manager) madeParent() ([]string, error) {
	data, err := os.ReadFile(filepath.Join(m.stateDir, parentMarker))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("cgroup parent %s: %w", m.cgroupParent, err)
	}
	return strings.Fields(string(data)), nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it over path.
func writeFileAtomic(path, data string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
