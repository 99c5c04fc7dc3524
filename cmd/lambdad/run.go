package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/seccomp"
)

// exitTimedOut is the exit status of a command killed at its timeout, as
// timeout(1) has it.
const exitTimedOut = 124

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run one command in a fresh sandbox with a function's isolation",
		ArgsUsage: "-- CMD [ARGS...]",
		Description: "Starts CMD in a new sandbox exactly as a function would run (same namespaces,\n" +
			"limits, read-only root, non-root user), streams its output, exits with its status,\n" +
			"kills every process of it at --timeout (exit status 124), and leaves nothing behind.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "rootfs", Value: rootfs.Provided, Usage: "base root filesystem: provided, host, or a directory"},
			&cli.StringFlag{Name: "code", Usage: "directory or .zip mounted read-only at /var/task (default: empty)"},
			&cli.StringSliceFlag{Name: "layer", Usage: "a .zip or directory merged into /opt, read-only (repeatable, in order)"},
			&cli.StringFlag{Name: "function", Usage: "a function's directory or .zip: its code at /var/task, its layers at /opt, its family's base tree unless --rootfs"},
			&cli.IntFlag{Name: "memory", Value: lambda.DefaultMemoryMB, Usage: "memory limit in MB (128-10240); CPU is proportional"},
			&cli.IntFlag{Name: "ephemeral-storage", Value: lambda.DefaultEphemeralMB, Usage: "size of /tmp in MB (512-10240)"},
			&cli.DurationFlag{Name: "timeout", Value: 3 * time.Second, Usage: "kill the sandbox after this long"},
			&cli.StringSliceFlag{Name: "env", Usage: "set K=V in the environment (repeatable)"},
			seccompFlag(),
			sandboxUIDsFlag(oneOffUIDs),
		}, dirFlags()...),
		Action: runAction,
	}
}

func runAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 {
		return cli.Exit("run: no command; usage: lambdad run [flags] -- CMD [ARGS...]", 2)
	}
	vars, err := parseEnv(c.StringSlice("env"))
	if err != nil {
		return cli.Exit("run: "+err.Error(), 2)
	}
	rtDir, store, err := runtimeAndStore(c)
	if err != nil {
		return err
	}
	runDir := c.String("run-dir")
	code, opt, baseName, err := runCode(c, store, runDir)
	if err != nil {
		return cli.Exit("run: "+err.Error(), 2)
	}
	base, err := store.Base(baseName)
	if err != nil {
		return cli.Exit("run: "+err.Error(), 2)
	}
	filter, err := seccomp.Load(c.String("seccomp"))
	if err != nil {
		return cli.Exit("run: "+err.Error(), 2)
	}
	mgr, err := daemon.SandboxManager(runDir, c.String("cgroup-parent"), c.Int("sandbox-uids"))
	if err != nil {
		return err
	}
	req := sandbox.CreateRequest{
		Root:        base,
		CodeDir:     code,
		OptDir:      opt,
		RuntimeDir:  rtDir,
		MemoryMB:    c.Int("memory"),
		EphemeralMB: c.Int("ephemeral-storage"),
		Env: function.Environment(function.EnvRequest{
			Name: "lambdad-run", MemoryMB: c.Int("memory"), Handler: args[0], Vars: vars,
		}),
		Args:    args,
		Stdout:  os.Stdout, // through a pipe: the sandbox never gets the caller's terminal
		Stderr:  os.Stderr,
		Seccomp: filter,
	}
	sb, err := mgr.Create(req)
	if errors.Is(err, sandbox.ErrInvalidRequest) {
		return cli.Exit("run: "+err.Error(), 2)
	} else if err != nil {
		return err
	}
	status, runErr := runToEnd(sb, c.Duration("timeout"))
	if err := sb.Destroy(); err != nil {
		fmt.Fprintln(os.Stderr, "lambdad: run:", err)
		if runErr == nil && status == 0 {
			status = 1
		}
	}
	if runErr != nil {
		return runErr
	}
	return cli.Exit("", status)
}

// runCode finds what run mounts at /var/task and /opt, and its base tree:
// --function's code and layers (and family's base, unless --rootfs), or
// --code (a directory or a .zip; an empty directory if not given) and
// --layer, each zip unpacked into the store.
func runCode(c *cli.Context, store *rootfs.Store, runDir string) (code, opt, base string, err error) {
	base = c.String("rootfs")
	var zipFile string
	var layers []string
	for _, l := range c.StringSlice("layer") {
		abs, err := filepath.Abs(l)
		if err != nil {
			return "", "", "", err
		}
		layers = append(layers, abs)
	}
	switch fnPath, codePath := c.String("function"), c.String("code"); {
	case fnPath != "" && codePath != "":
		return "", "", "", errors.New("--function and --code: give one")
	case fnPath != "":
		load := function.LoadDir
		if fi, err := os.Stat(fnPath); err == nil && fi.Mode().IsRegular() {
			load = function.LoadZip
		}
		fn, err := load(fnPath)
		if err != nil {
			return "", "", "", err
		}
		code, zipFile, layers = fn.CodeDir, fn.ZipFile, append(fn.Layers, layers...)
		if !c.IsSet("rootfs") {
			base = fn.Family().Base
		}
	case codePath != "":
		abs, err := filepath.Abs(codePath)
		if err != nil {
			return "", "", "", err
		}
		if fi, err := os.Stat(abs); err == nil && fi.Mode().IsRegular() {
			zipFile = abs
		} else {
			code = abs
		}
	default:
		code = filepath.Join(runDir, "empty")
		if err := os.MkdirAll(code, 0o755); err != nil {
			return "", "", "", err
		}
	}
	if zipFile == "" && len(layers) == 0 {
		return code, "", base, nil
	}
	pkg, err := store.Unpack(zipFile, layers)
	if err != nil {
		return "", "", "", err
	}
	if zipFile != "" {
		code = pkg.Code
	}
	return code, pkg.Opt, base, nil
}

// runToEnd starts the sandbox and waits for it, killing it at the timeout or
// on SIGINT/SIGTERM, and returns the exit status lambdad run should have.
func runToEnd(sb *sandbox.Sandbox, timeout time.Duration) (int, error) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	if err := sb.Start(); err != nil {
		return 0, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-sb.Done():
	case <-timer.C:
		if err := sb.Kill(); err != nil {
			return 0, err
		}
		fmt.Fprintf(os.Stderr, "lambdad: run: timed out after %s; every process of the sandbox was killed\n", timeout)
		return exitTimedOut, nil
	case sig := <-signals:
		if err := sb.Kill(); err != nil {
			return 0, err
		}
		return 128 + int(sig.(syscall.Signal)), nil
	}
	st, err := sb.Wait(context.Background())
	if err != nil {
		return 0, err
	}
	if st.Signal != 0 {
		return 128 + int(st.Signal), nil
	}
	return st.Code, nil
}

// parseEnv reads K=V pairs; keys as Lambda allows them.
func parseEnv(pairs []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, kv := range pairs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !validEnvKey(k) {
			return nil, fmt.Errorf("--env %q: want KEY=VALUE with KEY matching [a-zA-Z][a-zA-Z0-9_]+", kv)
		}
		vars[k] = v
	}
	return vars, nil
}

func validEnvKey(k string) bool {
	if len(k) < 2 {
		return false
	}
	for i, r := range k {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || r != '_' && (r < '0' || r > '9')) {
			return false
		}
	}
	return true
}
