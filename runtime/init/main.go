package main

import (
	"errors"
	"flag"
	"fmt"
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

// holdFD is the pipe a held init waits on (--hold): the daemon passes it as
// the first extra file of the sandbox's process.
const holdFD = 3

const usageLine = "usage: init [--hold] [--seccomp-fd N] [--nofile N] [--control-fd N [--extensions DIR] [--extension-output-fd N]] -- CMD [ARGS...]"

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is init's whole life; it returns the code init exits with.
func run(args []string) int {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	hold := fs.Bool("hold", false, "wait for the daemon's release on fd 3 before starting the command")
	seccompFD := fs.Int("seccomp-fd", -1, "install the seccomp filter (struct sock_filter[]) read from this fd")
	nofile := fs.Uint64("nofile", 0, "set the soft and hard limit of open files to this (0: leave them)")
	controlFD := fs.Int("control-fd", -1, "start the extensions of --extensions first, and speak with the daemon on this socket (extensions.go)")
	extensions := fs.String("extensions", "/opt/extensions", "with --control-fd: the directory of the external extensions")
	extensionOutputFD := fs.Int("extension-output-fd", -1, "with --control-fd: the extensions' stdout and stderr")
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

	// Before anything of the function exists: init is out of its reach,
	// and the filter holds for init and everything it starts.
	if err := undumpable(); err != nil {
		fmt.Fprintf(os.Stderr, "init: %v\n", err)
		return exitInitFailed
	}
	if *nofile > 0 {
		if err := limitOpenFiles(*nofile); err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
			return exitInitFailed
		}
	}
	if *seccompFD >= 0 {
		if err := confine(*seccompFD); err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
			return exitInitFailed
		}
	}

	// Signals are caught before the command exists, so none sent in between
	// is lost: it waits in the channel and is forwarded once there is a child.
	sup := newSupervisor()
	if *hold {
		if err := waitRelease(os.NewFile(holdFD, "hold")); err != nil {
			fmt.Fprintf(os.Stderr, "init: hold: %v\n", err)
			return exitInitFailed
		}
	}
	if *controlFD >= 0 {
		return extensionsRun(sup, os.NewFile(uintptr(*controlFD), "control"), *extensions, *extensionOutputFD, argv)
	}
	pid, err := start(argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "init: cannot start %s: %v\n", argv[0], err)
		return startExitCode(err)
	}
	return sup.run(pid)
}
