package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
)

// Exit codes of init's own failures, as the shell (126, 127) and container
// runtimes (125: the supervisor itself failed) use them. A child killed by
// signal n makes init exit with signalExit+n.
const (
	exitUsage      = 2
	exitInitFailed = 125
	exitCannotExec = 126
	exitNotFound   = 127
	signalExit     = 128
)

const (
	defaultListen = "127.0.0.1:9001"
	defaultSocket = "/run/lambda/runtime.sock"
	usageLine     = "usage: init [--listen addr] [--socket path] [--hold fifo] -- CMD [ARGS...]"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is init's whole life; it returns the code init exits with.
func run(args []string) int {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	listen := fs.String("listen", defaultListen, "TCP address the Runtime API relay listens on (empty: no relay)")
	socket := fs.String("socket", defaultSocket, "unix socket of the Runtime API the relay connects to")
	hold := fs.String("hold", "", "FIFO to wait on before starting the command: it starts once the FIFO is opened for writing")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usageLine)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "init: missing command")
		fmt.Fprintln(os.Stderr, usageLine)
		return exitUsage
	}

	// The relay listens before the command starts, so the function's first
	// connection to the Runtime API cannot be refused.
	if *listen != "" {
		ln, err := listenTCP(*listen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "init: relay: %v\n", err)
			return exitInitFailed
		}
		r := &relay{socket: &net.UnixAddr{Name: *socket, Net: "unix"}}
		go r.serve(ln)
	}

	// Signals are caught before the command exists, so none sent in between
	// is lost: it waits in the channel and is forwarded once there is a child.
	sup := newSupervisor()
	if *hold != "" {
		if err := waitRelease(*hold); err != nil {
			fmt.Fprintf(os.Stderr, "init: hold: %v\n", err)
			return exitInitFailed
		}
	}
	pid, err := start(argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "init: cannot start %s: %v\n", argv[0], err)
		return startExitCode(err)
	}
	return sup.run(pid)
}

// listenTCP listens on addr. Keep-alive probes are off: the peers share the
// sandbox's loopback and die with it.
func listenTCP(addr string) (*net.TCPListener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
}
