package sandbox

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"golang.org/x/sys/unix"
)

// Dial connects to addr as a process of the sandbox would: inside its
// network namespace (a listener of an extension's on the sandbox's
// loopback, say), or from the host's for a sandbox in the host's. Lambda's
// Telemetry API delivers to extensions this way.
func (s *Sandbox) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if s.net == nil || s.net.ns == nil {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	type result struct {
		c   net.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		// A socket belongs to the namespace it was made in: this thread
		// enters the sandbox's to make it, and is never unlocked, so it
		// ends with this goroutine and nothing else runs in there.
		runtime.LockOSThread()
		if err := unix.Setns(int(s.net.ns.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{nil, fmt.Errorf("enter the network namespace of sandbox %s: %w", s.id, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		done <- result{c, err}
	}()
	r := <-done
	return r.c, r.err
}
