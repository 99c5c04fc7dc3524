// Command lambdad runs AWS Lambda functions on a Linux host in libcontainer
// sandboxes, without Docker.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	_ "github.com/lambdad/lambdad/sandbox" // its init() is the "lambdad init" re-exec hook
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	app := &cli.App{
		Name:    "lambdad",
		Usage:   "run AWS Lambda functions locally in libcontainer sandboxes",
		Version: version,
		Commands: []*cli.Command{
			serveCommand(),
			invokeCommand(),
			functionsCommand(),
			logsCommand(),
			runCommand(),
			bundleCommand(),
			imageCommand(),
			versionCommand(),
			initCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // main reports errors once
	}
	if err := app.Run(flagsFirst(os.Args)); err != nil {
		var coded cli.ExitCoder
		if errors.As(err, &coded) {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(os.Stderr, "lambdad:", msg)
			}
			os.Exit(coded.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "lambdad:", err)
		os.Exit(1)
	}
}

// flagsFirst lets `lambdad invoke [flags] NAME [flags]` (and logs) work:
// urfave/cli stops reading flags at the first argument, so NAME moves
// behind the flags. Every flag of invoke takes a value (--flag value or
// --flag=value); logs' logsBoolFlags take none.
func flagsFirst(args []string) []string {
	if len(args) < 3 || args[1] != "invoke" && args[1] != "logs" {
		return args
	}
	noValue := map[string]bool{}
	if args[1] == "logs" {
		noValue = logsBoolFlags
	}
	var flags, names []string
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			names = append(names, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && !strings.Contains(a, "=") && !noValue[a] && i+1 < len(args):
			flags = append(flags, a, args[i+1])
			i++
		case strings.HasPrefix(a, "-"):
			flags = append(flags, a)
		default:
			names = append(names, a)
		}
	}
	return append(append([]string{args[0], args[1]}, flags...), names...)
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print lambdad's version",
		Action: func(c *cli.Context) error {
			fmt.Fprintln(c.App.Writer, "lambdad", version)
			return nil
		},
	}
}

// initCommand documents the re-exec entry point. libcontainer starts every
// sandbox as "lambdad init"; package sandbox's init() takes that process over
// before main runs, so this action is only reached when run by hand.
func initCommand() *cli.Command {
	return &cli.Command{
		Name:   "init",
		Hidden: true,
		Usage:  "internal: the container init that libcontainer re-executes",
		Action: func(*cli.Context) error {
			return cli.Exit("init is started by libcontainer inside a new sandbox, not by hand", 2)
		},
	}
}
