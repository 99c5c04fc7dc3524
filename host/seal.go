package host

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// seals make a memfd immutable: libcontainer takes a binary with all of
// them for one it need not copy before re-executing it.
const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE

// RunSealed re-executes the current process, same arguments and
// environment, from a sealed in-memory copy (a memfd) of its binary, unless
// it already runs from one. It returns only if it did not re-execute (nil
// when there was no need, else why it could not); the caller carries on
// either way. Once sealed, it names the process's threads after os.Args[0]
// again (not the "N" of the /proc/self/fd/N it was executed as).
//
// Call it first thing: os.Executable then names the memfd, so resolve paths
// beside the binary before, and hand them over in the environment.
func RunSealed() error {
	if Sealed() {
		return nameThreads(filepath.Base(os.Args[0]))
	}
	sealed, err := SealedCopy("/proc/self/exe")
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

// SealedCopy returns a sealed in-memory copy (a memfd, closed on exec) of
// the file at path: it can be executed, and nothing can change it.
func SealedCopy(path string) (*os.File, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("lambdad", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) { // before Linux 6.3, no MFD_EXEC: executable anyway
		fd, err = unix.MemfdCreate("lambdad", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	}
	if err != nil {
		return nil, fmt.Errorf("memfd: %w", err)
	}
	sealed := os.NewFile(uintptr(fd), "lambdad (sealed)")
	if _, err := io.Copy(sealed, src); err != nil {
		sealed.Close()
		return nil, fmt.Errorf("copy %s: %w", path, err)
	}
	if _, err := unix.FcntlInt(sealed.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		sealed.Close()
		return nil, fmt.Errorf("seal: %w", err)
	}
	return sealed, nil
}

// Sealed tells whether this process runs from a sealed memfd.
func Sealed() bool {
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		return false
	}
	defer exe.Close()
	got, err := unix.FcntlInt(exe.Fd(), unix.F_GET_SEALS, 0)
	return err == nil && got&seals == seals
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
