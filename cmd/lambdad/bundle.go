package main

import (
	"fmt"
	"path"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/launcher"
	"github.com/lambdad/lambdad/sandbox"
	"github.com/lambdad/lambdad/seccomp"
)

func bundleCommand() *cli.Command {
	return &cli.Command{
		Name:      "bundle",
		Usage:     "write the sandbox of a function as an OCI bundle that runc run starts",
		ArgsUsage: "FUNCTION DIR [-- CMD [ARGS...]]",
		Description: "Writes DIR/config.json, the OCI runtime spec lambdad starts FUNCTION's sandbox from, and\n" +
			"DIR/rootfs, a copy of its base tree: `runc run --bundle DIR ID` then starts the function's\n" +
			"runtime with the same root, mounts, user and limits as lambdad serve does, for looking at\n" +
			"its environment outside lambdad (nothing serves the Runtime API there). FUNCTION is a name\n" +
			"in --functions, a function's directory or its .zip. With CMD, the sandbox runs CMD instead\n" +
			"of the function's runtime (still under lambdad's init), e.g. -- /var/task/sh.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "functions", Value: daemon.DefaultFunctionsDir, Usage: "directory of functions, one subdirectory each"},
			&cli.StringFlag{Name: "region", Value: function.DefaultRegion, Usage: "the region the function's environment names"},
			seccompFlag(),
			sandboxUIDsFlag(oneOffUIDs),
		}, dirFlags()...),
		Action: bundleAction,
	}
}

func bundleAction(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) < 2 {
		return cli.Exit("bundle: want FUNCTION DIR [-- CMD [ARGS...]]", 2)
	}
	name, dir, cmd := args[0], args[1], args[2:]
	if len(cmd) > 0 && cmd[0] == "--" {
		cmd = cmd[1:]
	}
	fn, err := loadFunction(c.String("functions"), name)
	if err != nil {
		return cli.Exit("bundle: "+err.Error(), 2)
	}
	filter, err := seccomp.Load(c.String("seccomp"))
	if err != nil {
		return cli.Exit("bundle: "+err.Error(), 2)
	}
	rtDir, store, err := runtimeAndStore(c)
	if err != nil {
		return err
	}
	l := launcher.New(launcher.Config{Rootfs: store, RuntimeDir: rtDir, Region: c.String("region"), Seccomp: filter})
	defer l.Close()
	req, err := l.Request(c.Context, fn, false)
	if err != nil {
		return cli.Exit("bundle: "+err.Error(), 2)
	}
	if len(cmd) > 0 {
		req.Args = cmd
	}
	if err := sandbox.WriteBundle(req, path.Join(c.String("cgroup-parent"), req.ID), dir, c.Int("sandbox-uids")); err != nil {
		return cli.Exit(err.Error(), 1)
	}
	fmt.Fprintf(c.App.Writer, "bundle of %s in %s: sudo runc run --bundle %s %s\n", fn.Name, dir, dir, req.ID)
	return nil
}
