package sandbox

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// A sandbox in the host's network namespace (CreateRequest.HostNetwork)
// shares the host's loopback with every other such sandbox, so its Runtime
// API listens on a port of the host's loopback that only it may use: the
// listener accepts a connection only if a process of the sandbox's cgroup
// holds the connecting socket, and closes any other at once. The runtime
// connects once and keeps its connection, so the check is paid once per
// runtime, not per invoke.

// ownerListener accepts the connections of the sandbox's own processes.
type ownerListener struct {
	net.Listener
	s *Sandbox
}

func (l *ownerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.s.owns(c) {
			return c, nil
		}
		c.Close()
	}
}

// owns tells whether a process of the sandbox holds the socket at the
// other end of c, a loopback TCP connection accepted in the host's network
// namespace.
func (s *Sandbox) owns(c net.Conn) bool {
	peer, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return false
	}
	local, err := netip.ParseAddrPort(c.LocalAddr().String())
	if err != nil {
		return false
	}
	inode, err := tcpSocketInode(peer, local)
	if err != nil {
		return false
	}
	pids, err := s.cgroup.GetAllPids()
	if err != nil {
		return false
	}
	want := "socket:[" + strconv.FormatUint(inode, 10) + "]"
	for _, pid := range pids {
		dir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink(dir + "/" + fd.Name()); err == nil && link == want {
				return true
			}
		}
	}
	return false
}

// tcpSocketInode finds, in the daemon's network namespace, the inode of
// the IPv4 TCP socket bound to local and connected to remote.
func tcpSocketInode(local, remote netip.AddrPort) (uint64, error) {
	f, err := os.Open("/proc/self/net/tcp")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	l, r := procNetAddr(local), procNetAddr(remote)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) >= 10 && fields[1] == l && fields[2] == r {
			return strconv.ParseUint(fields[9], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("socket not found")
}

// procNetAddr is ap as /proc/net/tcp writes it: the address's four bytes
// read as a number in the host's byte order, then the port, both in hex.
func procNetAddr(ap netip.AddrPort) string {
	a := ap.Addr().Unmap().As4()
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(a[:]), ap.Port())
}
