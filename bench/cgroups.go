package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const cgroupRoot = "/sys/fs/cgroup"

// unified tells whether the host is pure cgroup v2.
func unified() bool {
	_, err := os.Stat(filepath.Join(cgroupRoot, "cgroup.controllers"))
	return err == nil
}

// parentDirs are the directories of cgroupParent in every hierarchy.
func parentDirs() []string {
	if unified() {
		return []string{filepath.Join(cgroupRoot, cgroupParent)}
	}
	entries, _ := os.ReadDir(cgroupRoot)
	var dirs []string
	for _, e := range entries {
		if e.IsDir() { // symlinks such as cpu,cpuacct are not
			dirs = append(dirs, filepath.Join(cgroupRoot, e.Name(), cgroupParent))
		}
	}
	return dirs
}

// memoryDir is the memory controller's directory of cgroupParent.
func memoryDir() string {
	if unified() {
		return filepath.Join(cgroupRoot, cgroupParent)
	}
	return filepath.Join(cgroupRoot, "memory", cgroupParent)
}

// sandboxCgroups are the sandboxes' cgroups now, by id.
func sandboxCgroups() map[string]bool {
	ids := map[string]bool{}
	entries, _ := os.ReadDir(memoryDir())
	for _, e := range entries {
		if e.IsDir() {
			ids[e.Name()] = true
		}
	}
	return ids
}

// cgroupMemory is a sandbox cgroup's memory use now, in bytes.
func cgroupMemory(id string) int64 {
	file := "memory.usage_in_bytes"
	if unified() {
		file = "memory.current"
	}
	data, err := os.ReadFile(filepath.Join(memoryDir(), id, file))
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return v
}

// leftoverCgroups lists sandbox cgroups still under cgroupParent in any
// hierarchy, then removes the (empty) parent directories.
func leftoverCgroups() []string {
	var left []string
	for _, dir := range parentDirs() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		empty := true
		for _, e := range entries {
			if e.IsDir() {
				left = append(left, filepath.Join(dir, e.Name()))
				empty = false
			}
		}
		if empty {
			os.Remove(dir)
		}
	}
	return left
}

// memAvailable is the host's MemAvailable, in bytes.
func memAvailable() (int64, error) { return statusKB("/proc/meminfo", "MemAvailable:") }

// throttling is CFS throttling summed over the sandboxes' cgroups.
type throttling struct {
	periods int64         // periods in which a sandbox was throttled
	time    time.Duration // time sandboxes spent throttled
}

// cpuThrottling reads cpu.stat of every sandbox cgroup now.
func cpuThrottling() throttling {
	dir := filepath.Join(cgroupRoot, "cpu", cgroupParent)
	if unified() {
		dir = filepath.Join(cgroupRoot, cgroupParent)
	}
	var t throttling
	for id := range sandboxCgroups() {
		data, err := os.ReadFile(filepath.Join(dir, id, "cpu.stat"))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(data)) {
			k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "nr_throttled":
				t.periods += n
			case "throttled_time": // v1, ns
				t.time += time.Duration(n)
			case "throttled_usec": // v2
				t.time += time.Duration(n) * time.Microsecond
			}
		}
	}
	return t
}

func (t throttling) sub(u throttling) throttling {
	return throttling{periods: t.periods - u.periods, time: t.time - u.time}
}
