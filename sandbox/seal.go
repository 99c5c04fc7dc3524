package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/runc/libcontainer/exeseal"
	"golang.org/x/sys/unix"
)

// RunSealed re-executes the current process, same arguments and
// environment, from a sealed in-memory copy of its binary, unless it already
// runs from one. It returns only if it did not re-execute (nil when there was
// no need, else why it could not); the caller carries on either way.
//
// libcontainer starts every sandbox by re-executing this binary, and a
// sandbox must never be able to overwrite the host's copy of it
// (CVE-2019-5736). Unless the binary is a sealed memfd already, libcontainer
// seals a fresh copy for every start (a temporary overlayfs): ~1.7 ms of each
// cold start on the development VM. A long-running daemon seals itself once
// instead; it costs the binary's size in memory (~12 MB), once.
// Once sealed, it names the process after os.Args[0] again (not "N" of the
// /proc/self/fd/N it was executed as).
//
// Call it first thing: os.Executable then names the memfd, so resolve paths
// beside the binary before, and hand them over in the environment. tmpDir is
// where a sealed file goes if the kernel lacks memfd.
func RunSealed(tmpDir string) error {
	if exeseal.IsSelfExeCloned() {
		// Executed as /proc/self/fd/N, the process is named "N": give ps,
		// top and pgrep the binary's name back.
		return nameThreads(filepath.Base(os.Args[0]))
	}
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return fmt.Errorf("seal lambdad binary: %w", err)
	}
	defer self.Close()
	st, err := self.Stat()
	if err != nil {
		return fmt.Errorf("seal lambdad binary: %w", err)
	}
	sealed, err := exeseal.CloneBinary(self, st.Size(), "/proc/self/exe", tmpDir)
	if err != nil {
		return fmt.Errorf("seal lambdad binary: %w", err)
	}
	defer sealed.Close()
	path := fmt.Sprintf("/proc/self/fd/%d", sealed.Fd())
	if err := unix.Exec(path, os.Args, os.Environ()); err != nil {
		return fmt.Errorf("seal lambdad binary: exec sealed copy: %w", err)
	}
	return nil // not reached
}

// nameThreads names every thread of the process name (comm). PR_SET_NAME
// names only the calling thread, and the Go runtime's threads started before
// it would keep the old name in ps -L, top and perf; a thread started later
// takes the name of the one that started it.
func nameThreads(name string) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	for _, t := range tasks {
		err := os.WriteFile("/proc/self/task/"+t.Name()+"/comm", []byte(name), 0)
		if err != nil && !os.IsNotExist(err) { // a thread may exit meanwhile
			return err
		}
	}
	return nil
}
