package invokeapi

import (
	"context"
	"io"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

// Runner runs synchronous invokes for front ends other than the Invoke
// API (the function URL listener): what Invoke does once its request is
// parsed — the function and qualifier resolved through the catalog (an
// alias's routing applied), a request id and the ARN given, the scheduler
// called.
type Runner struct{ a *api }

// NewRunner returns a Runner over cfg's catalog and Invoker (the rest of
// cfg is unused).
func NewRunner(cfg Config) *Runner { return &Runner{newAPI(cfg)} }

// RunRequest is one synchronous invoke.
type RunRequest struct {
	Function  string
	Qualifier string // "" or $LATEST, a version or an alias
	Payload   []byte // JSON
	RequestID string // "": a new one
	TraceID   string
	Stream    io.Writer // scheduler.Request.Stream: the response as the runtime streams it
}

// Run invokes req's function. A function or qualifier that is not there
// is an error matching catalog.ErrNotFound; a function that cannot run
// gives the reason (a broken definition); the scheduler's errors
// (scheduler.ErrThrottled, …) come back as they are.
func (r *Runner) Run(ctx context.Context, req RunRequest) (scheduler.Result, error) {
	fn, err := r.a.cfg.Functions.Lookup(req.Function, req.Qualifier)
	if err != nil {
		return scheduler.Result{}, err
	}
	if req.RequestID == "" {
		req.RequestID = lambda.NewID()
	}
	q := req.Qualifier
	if q == function.LatestVersion {
		q = ""
	}
	return r.a.cfg.Invoker.Invoke(ctx, scheduler.Request{
		Function:    fn,
		RequestID:   req.RequestID,
		Payload:     req.Payload,
		ContentType: defaultContentType,
		FunctionARN: function.ARN(r.a.cfg.Region, r.a.cfg.Account, req.Function, q),
		TraceID:     req.TraceID,
		Stream:      req.Stream,
	})
}
