package networktest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Netns makes a network namespace with loopback up; it lives while the
// returned file is open (until the test's end).
func Netns(t testing.TB) *os.File {
	t.Helper()
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- result{nil, err}
			return
		}
		f, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err == nil {
			var lo netlink.Link
			if lo, err = netlink.LinkByName("lo"); err == nil {
				err = netlink.LinkSetUp(lo)
			}
		}
		done <- result{f, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.f.Close() })
	return r.f
}

// In runs f in the network namespace ns.
func In(ns *os.File, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- f()
	}()
	return <-errc
}

// World addresses: a documentation range, on a link only the test makes.
const (
	WorldHost   = "198.51.100.1" // the host's end
	WorldServer = "198.51.100.2" // the world's
)

// World makes a network namespace that plays the internet: a veth named
// link from the host (WorldHost/24 on the host's end, WorldServer/24 in
// it) and an HTTP server there that answers every request with the
// address it came from. It returns the namespace and the server's
// address; both go at the test's end.
func World(t testing.TB, link string) (*os.File, string) {
	t.Helper()
	return Peer(t, link, WorldHost+"/24", WorldServer+"/24")
}

// Peer is World with other addresses: hostAddr on the host's end,
// peerAddr (where the server listens) in the namespace, both CIDR.
func Peer(t testing.TB, link, hostAddr, peerAddr string) (*os.File, string) {
	t.Helper()
	ns := Netns(t)
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: link}, PeerName: "world0", PeerNamespace: netlink.NsFd(ns.Fd())}
	if err := netlink.LinkAdd(veth); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netlink.LinkDel(veth) })
	host, err := netlink.LinkByName(link)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := netlink.ParseAddr(hostAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.AddrAdd(host, addr); err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(host); err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	if err := In(ns, func() error {
		world, err := netlink.LinkByName("world0")
		if err != nil {
			return err
		}
		addr, err := netlink.ParseAddr(peerAddr)
		if err != nil {
			return err
		}
		if err := netlink.AddrAdd(world, addr); err != nil {
			return err
		}
		if err := netlink.LinkSetUp(world); err != nil {
			return err
		}
		ln, err = net.Listen("tcp", net.JoinHostPort(addr.IP.String(), "0"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "world saw %s", r.RemoteAddr)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ns, ln.Addr().String()
}
