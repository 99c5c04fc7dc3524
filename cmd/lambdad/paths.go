package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/sandbox"
)

// Defaults of the on-disk layout (DESIGN.md).
const (
	defaultStateDir = "/var/lib/lambdad"
	defaultRunDir   = "/run/lambdad"
)

func dirFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "state-dir", Value: defaultStateDir, Usage: "persistent state: rootfs cache", EnvVars: []string{"LAMBDAD_STATE_DIR"}},
		&cli.StringFlag{Name: "run-dir", Value: defaultRunDir, Usage: "runtime state: sandboxes, sockets", EnvVars: []string{"LAMBDAD_RUN_DIR"}},
		&cli.StringFlag{Name: "runtime-dir", Usage: "directory holding the in-sandbox init (default: next to the lambdad binary)", EnvVars: []string{"LAMBDAD_RUNTIME_DIR"}},
		&cli.StringFlag{Name: "cgroup-parent", Value: sandbox.DefaultCgroupParent, Usage: "cgroup under which sandboxes' cgroups are made"},
	}
}

// rootfsStore opens the base tree cache under --state-dir.
func rootfsStore(c *cli.Context) (*rootfs.Store, error) {
	return rootfs.NewStore(filepath.Join(c.String("state-dir"), "rootfs"))
}

// sandboxManager opens the sandbox manager of --run-dir and --cgroup-parent.
func sandboxManager(c *cli.Context) (*sandbox.Manager, error) {
	return sandbox.NewManager(sandbox.Config{
		StateDir:     filepath.Join(c.String("run-dir"), "containers"),
		CgroupParent: c.String("cgroup-parent"),
	})
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
