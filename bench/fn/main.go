// Command fn is the benchmark's sleeper function: an aws-lambda-go handler
// that sleeps sleep_ms milliseconds, then answers. The benchmark driver
// builds it as a provided.al2023 bootstrap and keeps many of its sandboxes
// busy at once, so that they stay behind as idle sandboxes.
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./bench/fn
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	SleepMS int `json:"sleep_ms"`
}

type response struct {
	SleptMS int `json:"slept_ms"`
}

func handle(ctx context.Context, e event) (response, error) {
	select {
	case <-time.After(time.Duration(e.SleepMS) * time.Millisecond):
	case <-ctx.Done():
	}
	return response{SleptMS: e.SleepMS}, nil
}

func main() { lambda.Start(handle) }
