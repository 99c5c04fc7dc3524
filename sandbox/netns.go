package sandbox

import (
	"fmt"
	"net"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// runtimeNet is a network namespace lambdad makes for one sandbox before it
// starts, with loopback up and the Runtime API's listener already open in
// it. The runtime then reaches the daemon's server at 127.0.0.1:9001 with no
// relay inside the sandbox, so no CPU of the function's quota goes to it.
// Nothing of it is on disk: the namespace lives while the daemon holds ns
// and ln, or a process of the sandbox is in it.
type runtimeNet struct {
	ns *os.File     // the namespace, held open until the sandbox is destroyed; nil for the host's (HostNetwork)
	ln net.Listener // listening inside it
}

// newRuntimeNet makes the namespace and listens on addr in it.
func newRuntimeNet(addr string) (*runtimeNet, error) {
	type result struct {
		rn  *runtimeNet
		err error
	}
	done := make(chan result, 1)
	go func() {
		// This thread enters the new namespace and is never unlocked: it
		// ends with this goroutine, so nothing else ever runs in there.
		runtime.LockOSThread()
		rn, err := enterRuntimeNet(addr)
		done <- result{rn, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, fmt.Errorf("sandbox network namespace: %w", r.err)
	}
	return r.rn, nil
}

func enterRuntimeNet(addr string) (_ *runtimeNet, retErr error) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("unshare: %w", err)
	}
	ns, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			ns.Close()
		}
	}()
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return nil, fmt.Errorf("loopback: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return nil, fmt.Errorf("loopback up: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &runtimeNet{ns: ns, ln: ln}, nil
}

// path names the namespace for libcontainer to join.
func (n *runtimeNet) path() string {
	return fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), n.ns.Fd())
}

func (n *runtimeNet) close() {
	n.ln.Close()
	if n.ns != nil {
		n.ns.Close()
	}
}
