package sandboxtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// NoLeaks fails t if anything of a sandbox remains: a process in its cgroup,
// its cgroup directory in any hierarchy (v1 controllers, the hybrid unified
// tree, or a v2 root), a mount that names it, or any of the given paths
// (its state directory).
func NoLeaks(t testing.TB, cgroupPath, id string, paths ...string) {
	t.Helper()
	for _, problem := range Leaks(cgroupPath, id, paths...) {
		t.Errorf("sandbox %s leaked: %s", id, problem)
	}
}

// Leaks lists what of a sandbox remains.
func Leaks(cgroupPath, id string, paths ...string) []string {
	var left []string
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return []string{err.Error()}
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		sep := indexOf(f, "-")
		if sep < 0 || sep+1 >= len(f) {
			continue
		}
		fstype, mountpoint := f[sep+1], f[4]
		if fstype == "cgroup" || fstype == "cgroup2" {
			dir := filepath.Join(mountpoint, cgroupPath)
			if _, err := os.Stat(dir); err == nil {
				left = append(left, "cgroup directory "+dir)
			}
		}
		if strings.Contains(line, id) {
			left = append(left, "mount "+line)
		}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			left = append(left, "path "+p)
		}
	}
	left = append(left, processesIn(cgroupPath)...)
	return left
}

// processesIn lists host processes whose cgroup (in any hierarchy) is
// cgroupPath or below it.
func processesIn(cgroupPath string) []string {
	procs, _ := filepath.Glob("/proc/[0-9]*/cgroup")
	var left []string
	for _, file := range procs {
		f, err := os.Open(file)
		if err != nil {
			continue // the process is gone
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			parts := strings.SplitN(sc.Text(), ":", 3)
			if len(parts) == 3 && (parts[2] == cgroupPath || strings.HasPrefix(parts[2], cgroupPath+"/")) {
				cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(file), "cmdline"))
				left = append(left, fmt.Sprintf("process %s (%s) in %s", filepath.Base(filepath.Dir(file)),
					strings.ReplaceAll(string(cmdline), "\x00", " "), parts[2]))
				break
			}
		}
		f.Close()
	}
	return left
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// RemoveCgroup removes the (empty) cgroup directory cgroupPath from every
// mounted hierarchy; tests call it for their private cgroup parent.
func RemoveCgroup(cgroupPath string) {
	for _, root := range cgroupRoots() {
		os.Remove(filepath.Join(root, cgroupPath))
	}
}

// cgroupRoots lists the mount points of every cgroup hierarchy.
func cgroupRoots() []string {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var roots []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if sep := indexOf(f, "-"); sep > 0 && sep+1 < len(f) && (f[sep+1] == "cgroup" || f[sep+1] == "cgroup2") {
			roots = append(roots, f[4])
		}
	}
	return roots
}
