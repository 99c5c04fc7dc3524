package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/opencontainers/runc/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Every sandbox runs in a user namespace of its own, so that its processes
// are a host uid no other sandbox has, while the function still sees
// lambda.UID and lambda.GID. The kernel counts many limits per user —
// inotify instances and watches, epoll watches, pipe buffers, RLIMIT_NPROC,
// message queues, keys — and charges a user namespace's processes to the
// user that *created* the namespace (its owner) in the parent namespace.
// So the namespace must be created by a process whose euid is the sandbox's
// own host uid, never by root (libcontainer would create it as root, and
// charge every sandbox to root's quotas).
//
// A sandbox slot owns two host ids (uids and gids alike): uid, the
// namespace's owner, which the function's uid maps to, and root, which the
// namespace's root maps to (libcontainer's setup runs as it before it drops
// to the function's uid; the session keyring it makes is charged to it).
// Nothing else is mapped: files of any other host owner appear as nobody
// (65534) inside.

// usernsHoldArg is the first argument that makes a re-executed lambdad a
// user namespace's holder (reexec.go): it blocks until killed, so the daemon
// can write its namespace's maps and open it.
const usernsHoldArg = "userns-hold"

// userNS is one sandbox slot's user namespace.
type userNS struct {
	slot int
	uid  int // host uid and gid of the function's user; the owner
	root int // host uid and gid of the namespace's root

	// Set while the slot is taken, or kept by the pool.
	ns           *os.File // the namespace, held open; nil until made
	inUID, inGID int      // what uid is inside ns
}

// path names the namespace for libcontainer to join.
func (u *userNS) path() string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), u.ns.Fd())
}

// newUserNS makes a user namespace owned by host uid (and gid) uid, in which
// inUID and inGID are uid and 0 is root.
func newUserNS(uid, root, inUID, inGID int) (*os.File, error) {
	type result struct {
		ns  *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		// All of it on one thread, which is never unlocked (it ends with
		// this goroutine): its credentials change, and the holder's
		// parent-death signal is tied to it.
		runtime.LockOSThread()
		ns, err := makeUserNS(uid, root, inUID, inGID)
		done <- result{ns, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, fmt.Errorf("user namespace of uid %d: %w", uid, r.err)
	}
	return r.ns, nil
}

// makeUserNS is newUserNS on a locked thread. The thread takes uid as its
// effective uid and gid and starts the holder in a new user namespace, which
// the kernel gives the thread's euid as owner; it takes root back to write
// the namespace's maps. Only this thread's credentials change: raw
// syscalls, not Go's setuid, which changes every thread's.
func makeUserNS(uid, root, inUID, inGID int) (_ *os.File, retErr error) {
	stdin, hold, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	defer hold.Close()
	if err := setEffectiveIDs(uid); err != nil {
		return nil, err
	}
	p, err := os.StartProcess("/proc/self/exe", []string{"lambdad", usernsHoldArg}, &os.ProcAttr{
		Files: []*os.File{stdin},
		// The holder dies with this thread if the daemon does.
		Sys: &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUSER, Pdeathsig: unix.SIGKILL},
	})
	if rerr := setEffectiveIDs(0); rerr != nil {
		// This thread cannot write the maps; it ends with its goroutine.
		err = errors.Join(err, rerr)
	}
	if p != nil {
		defer func() {
			p.Kill()
			p.Wait()
		}()
	}
	if err != nil {
		return nil, fmt.Errorf("holder: %w", err)
	}
	maps := []struct{ file, data string }{
		{"uid_map", fmt.Sprintf("0 %d 1\n%d %d 1\n", root, inUID, uid)},
		{"gid_map", fmt.Sprintf("0 %d 1\n%d %d 1\n", root, inGID, uid)},
	}
	for _, m := range maps {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/%s", p.Pid, m.file), []byte(m.data), 0); err != nil {
			return nil, err
		}
	}
	return os.Open(fmt.Sprintf("/proc/%d/ns/user", p.Pid))
}

// setEffectiveIDs sets the calling thread's effective gid and uid to id.
func setEffectiveIDs(id int) error {
	keep := ^uintptr(0) // -1: unchanged
	if id == 0 {        // root first, so the gid may change
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, keep, 0, keep); e != 0 {
			return fmt.Errorf("setresuid: %w", e)
		}
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, keep, uintptr(id), keep); e != 0 {
		return fmt.Errorf("setresgid: %w", e)
	}
	if id != 0 {
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, keep, uintptr(id), keep); e != 0 {
			return fmt.Errorf("setresuid: %w", e)
		}
	}
	return nil
}

// holdUserNS is the holder's life: it waits for its stdin to end (it is
// killed before).
func holdUserNS() {
	var b [1]byte
	os.Stdin.Read(b[:])
	os.Exit(0)
}

// joinUserNS makes config's container join u's namespace: libcontainer's
// specconv would read the maps through a process it starts in the namespace
// (the path is not /proc/PID/ns/user), so they are set here as it sets
// them, with the device nodes owned by the namespace's root.
func joinUserNS(config *configs.Config, u *userNS) {
	config.Namespaces = append(config.Namespaces, configs.Namespace{Type: configs.NEWUSER, Path: u.path()})
	config.UIDMappings = []configs.IDMap{{ContainerID: 0, HostID: int64(u.root), Size: 1}, {ContainerID: int64(u.inUID), HostID: int64(u.uid), Size: 1}}
	config.GIDMappings = []configs.IDMap{{ContainerID: 0, HostID: int64(u.root), Size: 1}, {ContainerID: int64(u.inGID), HostID: int64(u.uid), Size: 1}}
	for _, d := range config.Devices {
		d.Uid, d.Gid = uint32(u.root), uint32(u.root)
	}
}

// specMaps are u's uid and gid maps in an OCI spec's words.
func (u *userNS) specMaps() (uids, gids []specs.LinuxIDMapping) {
	uids = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(u.root), Size: 1}, {ContainerID: uint32(u.inUID), HostID: uint32(u.uid), Size: 1}}
	gids = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(u.root), Size: 1}, {ContainerID: uint32(u.inGID), HostID: uint32(u.uid), Size: 1}}
	return uids, gids
}

// checkUIDRange refuses a range that holds root, nobody, or ids past 2^31.
func checkUIDRange(first int) error {
	last := first + UIDsPerRange - 1
	if first < 65536 || last >= 1<<31 {
		return fmt.Errorf("sandbox uids %d–%d: must lie within 65536–%d", first, last, 1<<31-1)
	}
	return nil
}

// CheckReachable fails (ErrRootUnreachable) unless every directory from /
// down to dir lets other users search it (o+x; 0711 is enough, nothing need
// be readable), as a sandbox's root must to reach a root tree in dir: it is
// a host uid of the sandboxes' range, not root. Create checks each root
// tree once; a daemon checks its base trees' directory at start.
func CheckReachable(dir string) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%w: %s is mode %04o, needs o+x (chmod 0711 is enough)", ErrRootUnreachable, d, fi.Mode().Perm())
		}
		if d == "/" {
			return nil
		}
	}
}
