package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// UnixPrefix marks a Listen address that is a unix socket's path.
const UnixPrefix = "unix:"

// ErrSocketInUse: a unix socket's path is taken by a live listener.
var ErrSocketInUse = errors.New("another process listens on the socket")

// socketMode is a unix listener's permissions: its owner (the daemon's
// user, root) and its group may connect, no one else.
const socketMode = 0o660

// listen opens the Invoke API's listeners: addrs is a comma-separated list
// of host:port and unix:PATH. A unix socket gets socketMode and group
// (a name or a gid; "": the daemon's). On error none is left open.
func listen(addrs, group string) (_ []net.Listener, retErr error) {
	var lns []net.Listener
	defer func() {
		if retErr != nil {
			for _, ln := range lns {
				ln.Close()
			}
		}
	}()
	for _, addr := range strings.Split(addrs, ",") {
		addr = strings.TrimSpace(addr)
		var ln net.Listener
		var err error
		if path, ok := strings.CutPrefix(addr, UnixPrefix); ok {
			ln, err = listenUnix(path, group)
		} else {
			ln, err = net.Listen("tcp", addr)
		}
		if err != nil {
			return nil, fmt.Errorf("listen %s: %w", addr, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// listenUnix listens on a unix socket at path, made under a temporary name
// and renamed into place once its group and mode are set, so that no one
// can connect before they are. A socket a crashed daemon left is replaced;
// a file that is not a socket, or a socket something listens on, is not.
func listenUnix(path, group string) (_ net.Listener, retErr error) {
	if path == "" || !filepath.IsAbs(path) {
		return nil, fmt.Errorf("unix socket %q: want an absolute path", path)
	}
	gid := -1
	if group != "" {
		var err error
		if gid, err = lookupGroup(group); err != nil {
			return nil, err
		}
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%d", filepath.Base(path), os.Getpid()))
	os.Remove(tmp) // our pid's, from an earlier crash
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // Close removes the renamed path, if still ours
	defer func() {
		if retErr != nil {
			ln.Close()
			os.Remove(tmp)
		}
	}()
	if err := os.Lchown(tmp, -1, gid); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, socketMode); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	return &unixListener{UnixListener: ln, path: path, made: st}, nil
}

// removeStaleSocket removes a socket at path that nothing listens on.
func removeStaleSocket(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if st.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket: not replacing it", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%s: %w", path, ErrSocketInUse)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%s: checking for a listener: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// lookupGroup is a group's gid, by name or number.
func lookupGroup(group string) (int, error) {
	if gid, err := strconv.Atoi(group); err == nil && gid >= 0 {
		return gid, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return 0, fmt.Errorf("listen group: %w", err)
	}
	return strconv.Atoi(g.Gid)
}

// unixListener removes its socket on Close, unless another has replaced it.
type unixListener struct {
	*net.UnixListener
	path string
	made os.FileInfo
}

func (l *unixListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	if st, serr := os.Lstat(l.path); serr == nil && os.SameFile(st, l.made) {
		os.Remove(l.path)
	}
	return err
}
