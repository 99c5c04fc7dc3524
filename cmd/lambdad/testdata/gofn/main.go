// Command gofn is a test function built with aws-lambda-go; the event's
// "mode" says what it does (a function URL's event: its query's "mode").
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Mode string `json:"mode"`
	MS   int    `json:"ms"`
	MB   int    `json:"mb"`
	Text string `json:"text"`
	// A function URL's event (payload format 2.0) carries them in its query.
	Query map[string]string `json:"queryStringParameters"`
}

type reply struct {
	Text      string `json:"text"`
	RequestID string `json:"request_id"`
	Pid       int    `json:"pid"`
}

// handle returns a reply, or an io.Reader that aws-lambda-go streams.
func handle(ctx context.Context, e event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	if e.Mode == "" && e.Query != nil {
		e.Mode, e.Text = e.Query["mode"], e.Query["text"]
		e.MS, _ = strconv.Atoi(e.Query["ms"])
	}
	switch e.Mode {
	case "error":
		return reply{}, errors.New("something went wrong")
	case "panic":
		panic("boom")
	case "exit":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(e.MS) * time.Millisecond)
	case "oom":
		// One write per page makes it resident: the sandbox's memory limit
		// is reached with little CPU, which a 128 MB sandbox has 7% of.
		var hog [][]byte
		for i := 0; ; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = byte(i | 1)
			}
			hog = append(hog, b)
			_ = hog
		}
	case "env":
		return reply{Text: os.Getenv(e.Text), RequestID: lc.AwsRequestID}, nil
	case "cwd":
		wd, err := os.Getwd()
		return reply{Text: wd, RequestID: lc.AwsRequestID}, err
	case "read":
		b, err := os.ReadFile(e.Text)
		return reply{Text: string(b), RequestID: lc.AwsRequestID}, err
	case "big":
		return reply{Text: string(make([]byte, 7<<20))}, nil
	case "stream", "streamfail":
		// Chunk 1, then after ms milliseconds chunk 2 (or a failure, which
		// aws-lambda-go declares in trailers).
		r, w := io.Pipe()
		go func() {
			w.Write([]byte("chunk 1;"))
			time.Sleep(time.Duration(e.MS) * time.Millisecond)
			fmt.Fprintln(os.Stderr, "gofn: after chunk 1 of", lc.AwsRequestID)
			if e.Mode == "streamfail" {
				w.CloseWithError(errors.New("stream broke"))
				return
			}
			w.Write([]byte("chunk 2"))
			w.Close()
		}()
		return r, nil
	case "urlstream":
		// A function URL's streamed HTTP response: status, headers and a
		// cookie first, then part 1, after ms milliseconds part 2.
		r, w := io.Pipe()
		go func() {
			w.Write([]byte("part 1;"))
			time.Sleep(time.Duration(e.MS) * time.Millisecond)
			fmt.Fprintln(os.Stderr, "gofn: after part 1 of", lc.AwsRequestID)
			w.Write([]byte("part 2"))
			w.Close()
		}()
		return &events.LambdaFunctionURLStreamingResponse{StatusCode: 202, Body: r, Cookies: []string{"streamed=yes"},
			Headers: map[string]string{"Content-Type": "text/plain", "X-Streamed": "yes"}}, nil
	case "stubborn": // a child that ignores SIGTERM, then wait past the timeout
		exec.Command("/var/task/bootstrap", "stubborn").Start()
		time.Sleep(time.Hour)
	}
	return reply{Text: e.Text, RequestID: lc.AwsRequestID, Pid: os.Getpid()}, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(time.Hour)
	}
	lambda.Start(handle)
}
