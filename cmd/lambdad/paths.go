package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/seccomp"
)

func dirFlags() []cli.Flag {
	return []cli.Flag{
		stateDirFlag(),
		&cli.StringFlag{Name: "run-dir", Value: daemon.DefaultRunDir, Usage: "runtime state: sandboxes", EnvVars: []string{"LAMBDAD_RUN_DIR"}},
		&cli.StringFlag{Name: "runtime-dir", Usage: "directory holding the in-sandbox init (default: next to the lambdad binary)", EnvVars: []string{"LAMBDAD_RUNTIME_DIR"}},
		&cli.StringFlag{Name: "cgroup-parent", Value: sandbox.DefaultCgroupParent, Usage: "cgroup under which sandboxes' cgroups are made"},
	}
}

// stateDirFlag is --state-dir, the persistent state: base trees, images,
// the catalog and the async queue.
func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", Value: daemon.DefaultStateDir, Usage: "persistent state: base trees, images, the control plane's functions, queued Event invokes", EnvVars: []string{"LAMBDAD_STATE_DIR"}}
}

// runtimeAndStore is the runtime directory (runtimeDir) and the base trees
// under --state-dir, which run and bundle both start from.
func runtimeAndStore(c *cli.Context) (string, *rootfs.Store, error) {
	rtDir, err := runtimeDir(c.String("runtime-dir"))
	if err != nil {
		return "", nil, err
	}
	store, err := daemon.RootfsStore(c.String("state-dir"))
	return rtDir, store, err
}

// runtimeDir finds the directory that holds the in-sandbox init: the flag, or
// bin/runtime beside a built lambdad, or lib/lambdad/runtime of an install.
func runtimeDir(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate lambdad: %w", err)
	}
	dir := filepath.Dir(exe)
	candidates := []string{
		filepath.Join(dir, "runtime"),
		filepath.Join(dir, "..", "lib", "lambdad", "runtime"),
	}
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "init")); err == nil {
			return filepath.Clean(c), nil
		}
	}
	return "", fmt.Errorf("the in-sandbox init was not found in %v: build it with `make` or pass --runtime-dir", candidates)
}

// sandboxUIDsFlag is --sandbox-uids, the host uids sandboxes run as, from
// first by default: serve's range, or (for run and bundle) the one after
// it, so that their sandboxes never share a host uid with a running
// serve's.
func sandboxUIDsFlag(first int) cli.Flag {
	return &cli.IntFlag{Name: "sandbox-uids", Value: first,
		Usage: fmt.Sprintf("first of the %d host uids and gids sandboxes run as, two per sandbox (inside, each is still %d:%d); between 65536 and 2^31; each lambdad running at once needs its own range", sandbox.UIDsPerRange, lambda.UID, lambda.GID)}
}

// The first uids of serve's sandboxes, and of run's and bundle's: the range
// after serve's.
const (
	serveUIDs  = sandbox.DefaultFirstUID
	oneOffUIDs = sandbox.DefaultFirstUID + sandbox.UIDsPerRange
)

// seccompFlag is --seccomp, the sandboxes' seccomp profile.
func seccompFlag() cli.Flag {
	return &cli.StringFlag{Name: "seccomp", Value: seccomp.DefaultName,
		Usage: "sandboxes' seccomp profile: default (Docker's default for a process without capabilities, and no namespaces, io_uring, vsock, keyrings, perf or BPF), unconfined (no filter), or a profile file in Docker's JSON format"}
}

// loadFunction loads a function named on the command line: a name in the
// functions directory (a subdirectory or a <name>.zip), or the path of a
// function's directory or .zip.
func loadFunction(functionsDir, arg string) (function.Config, error) {
	if !strings.Contains(arg, "/") {
		return function.Load(functionsDir, arg)
	}
	if fi, err := os.Stat(arg); err == nil && fi.Mode().IsRegular() {
		return function.LoadZip(arg)
	}
	return function.LoadDir(arg)
}
