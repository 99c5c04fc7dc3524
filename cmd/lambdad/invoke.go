package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

func invokeCommand() *cli.Command {
	return &cli.Command{
		Name:      "invoke",
		Usage:     "invoke a function on a running lambdad",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "payload", Value: "{}", Usage: "the event: JSON, or @FILE"},
			&cli.StringFlag{Name: "endpoint", Value: "http://127.0.0.1:9000", Usage: "lambdad's Invoke API: a URL, or unix:PATH for its unix socket; requests are signed with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when both are set", EnvVars: []string{"AWS_ENDPOINT_URL_LAMBDA"}},
			&cli.StringFlag{Name: "log-type", Usage: "Tail: print the invocation's last 4 KB of log to stderr"},
			&cli.StringFlag{Name: "invocation-type", Usage: "Event (queued, returns at once) or DryRun"},
		},
		Action: invokeAction,
	}
}

// invokeAction prints the result to stdout and the log tail to stderr; it
// exits 1 on a function error and 2 when lambdad refused the invocation.
func invokeAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("invoke: want exactly one function NAME", 2)
	}
	payload := []byte(c.String("payload"))
	if file, ok := strings.CutPrefix(c.String("payload"), "@"); ok {
		var err error
		if payload, err = os.ReadFile(file); err != nil {
			return cli.Exit("invoke: "+err.Error(), 2)
		}
	}
	client, base := invokeClient(c.String("endpoint"))
	u := base + "/2015-03-31/functions/" + url.PathEscape(c.Args().First()) + "/invocations"
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return cli.Exit("invoke: "+err.Error(), 2)
	}
	if t := c.String("invocation-type"); t != "" {
		req.Header.Set("X-Amz-Invocation-Type", t)
	}
	if t := c.String("log-type"); t != "" {
		req.Header.Set("X-Amz-Log-Type", t)
	}
	signFromEnv(req, payload)
	resp, err := client.Do(req)
	if err != nil {
		return cli.Exit("invoke: "+err.Error(), 2)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return cli.Exit("invoke: "+err.Error(), 2)
	}
	if code := resp.Header.Get("X-Amzn-ErrorType"); code != "" || resp.StatusCode >= 300 {
		var m map[string]any
		json.Unmarshal(body, &m)
		msg, _ := m["message"].(string)
		if msg == "" {
			msg, _ = m["Message"].(string)
		}
		return cli.Exit(fmt.Sprintf("invoke: %s (HTTP %d): %s", code, resp.StatusCode, msg), 2)
	}
	if tail := resp.Header.Get("X-Amz-Log-Result"); tail != "" {
		if log, err := base64.StdEncoding.DecodeString(tail); err == nil {
			os.Stderr.Write(log)
		}
	}
	os.Stdout.Write(body)
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\n")) {
		fmt.Println()
	}
	if resp.Header.Get("X-Amz-Function-Error") != "" {
		return cli.Exit("", 1)
	}
	return nil
}
