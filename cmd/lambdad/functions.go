package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

// functionsCommand is `lambdad functions`: what a running lambdad serves,
// from its ListFunctions.
func functionsCommand() *cli.Command {
	return &cli.Command{
		Name:  "functions",
		Usage: "list the functions a running lambdad serves",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "endpoint", Value: "http://127.0.0.1:9000", Usage: "lambdad's Invoke API: a URL, or unix:PATH for its unix socket; requests are signed with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when both are set", EnvVars: []string{"AWS_ENDPOINT_URL_LAMBDA"}},
		},
		Action: functionsAction,
	}
}

// listedFunction is what `lambdad functions` prints of a FunctionConfiguration.
type listedFunction struct {
	FunctionName, Runtime, PackageType, State string
	MemorySize, Timeout                       int
	CodeSize                                  int64
}

func functionsAction(c *cli.Context) error {
	client, base := invokeClient(c.String("endpoint"))
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tRUNTIME\tMEMORY\tTIMEOUT\tCODE SIZE\tSTATE")
	marker := ""
	for {
		u := base + "/2015-03-31/functions/"
		if marker != "" {
			u += "?Marker=" + url.QueryEscape(marker)
		}
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return cli.Exit("functions: "+err.Error(), 2)
		}
		signFromEnv(req, nil)
		resp, err := client.Do(req)
		if err != nil {
			return cli.Exit("functions: "+err.Error(), 2)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return cli.Exit("functions: "+err.Error(), 2)
		}
		if resp.StatusCode != http.StatusOK {
			return cli.Exit(fmt.Sprintf("functions: %s: %s %s", resp.Status, resp.Header.Get("X-Amzn-ErrorType"), body), 2)
		}
		var page struct {
			Functions  []listedFunction
			NextMarker string
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return cli.Exit("functions: the answer is not ListFunctions': "+err.Error(), 2)
		}
		for _, f := range page.Functions {
			rt := f.Runtime
			if f.PackageType == "Image" {
				rt = "(image)"
			}
			fmt.Fprintf(w, "%s\t%s\t%d MB\t%d s\t%d\t%s\n", f.FunctionName, rt, f.MemorySize, f.Timeout, f.CodeSize, f.State)
		}
		if page.NextMarker == "" {
			break
		}
		marker = page.NextMarker
	}
	return w.Flush()
}
