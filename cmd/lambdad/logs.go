package main

import (
	"bufio"
	"errors"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/funclog"
)

// logsCommand is `lambdad logs`: a function's log, as lambdad serve keeps
// it in --state-dir, read without the daemon.
func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print a function's log (its output and START/END/REPORT lines) kept in --state-dir, whether lambdad serve runs or not",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "go on printing new lines as they are written (across rotations and restarts), until interrupted"},
			&cli.StringFlag{Name: "since", Usage: "only lines from this long ago (10m, 2h) or since this time (RFC 3339)"},
			&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "start each line with its time (RFC 3339, milliseconds)"},
			stateDirFlag(),
		},
		Action: logsAction,
	}
}

// logsBoolFlags are logs' flags that take no value, for flagsFirst.
var logsBoolFlags = map[string]bool{"-f": true, "--f": true, "-follow": true, "--follow": true, "-t": true, "--t": true, "-timestamps": true, "--timestamps": true}

func logsAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("logs: name one function", 2)
	}
	since, err := parseSince(c.String("since"), time.Now())
	if err != nil {
		return cli.Exit("logs: --since: "+err.Error(), 2)
	}
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	follow, stamps := c.Bool("follow"), c.Bool("timestamps")
	w := bufio.NewWriterSize(c.App.Writer, 64<<10)
	defer w.Flush()
	err = funclog.Read(ctx, daemon.LogsDir(c.String("state-dir")), c.Args().First(), funclog.ReadOptions{Since: since, Follow: follow},
		func(r funclog.Record) error {
			if stamps && !r.Time.IsZero() {
				w.Write(r.Time.AppendFormat(nil, funclog.TimeFormat))
				w.WriteByte(' ')
			}
			w.Write(r.Line)
			w.WriteByte('\n')
			if follow {
				return w.Flush()
			}
			return nil
		})
	if errors.Is(err, funclog.ErrBadName) {
		return cli.Exit("logs: "+err.Error(), 2)
	}
	if err != nil {
		return cli.Exit("logs: "+err.Error(), 1)
	}
	return nil
}

// parseSince reads --since: a duration before now, or a time in RFC 3339;
// "" is the zero time (everything).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, errors.New("a negative duration")
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("neither a duration (10m) nor an RFC 3339 time: " + s)
	}
	return t, nil
}
