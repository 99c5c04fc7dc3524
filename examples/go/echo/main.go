// Command echo is an example Lambda function built with aws-lambda-go: it
// returns the event it was given, with a little context. Build it as the
// echo function's bootstrap (make examples):
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -o examples/functions/echo/bootstrap ./examples/go/echo
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type response struct {
	Event     json.RawMessage `json:"event"`
	RequestID string          `json:"request_id"`
	Function  string          `json:"function"`
	Greeting  string          `json:"greeting"`
}

func handle(ctx context.Context, event json.RawMessage) (response, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	return response{Event: event, RequestID: lc.AwsRequestID, Function: lambdacontext.FunctionName, Greeting: os.Getenv("GREETING")}, nil
}

func main() { lambda.Start(handle) }
