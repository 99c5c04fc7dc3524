package invokeapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/sigv4"
)

// Functions finds a function's definition by name.
type Functions interface {
	// Lookup returns the function, ErrFunctionNotFound, or the error that
	// makes its definition unusable.
	Lookup(name string) (function.Config, error)
	// List returns every function that can run (a copy: the caller may
	// reorder it).
	List() []function.Config
}

// Invoker runs a synchronous invocation (the scheduler).
type Invoker interface {
	Invoke(ctx context.Context, req scheduler.Request) (scheduler.Result, error)
}

// Enqueuer accepts an asynchronous invocation (the scheduler's queue).
type Enqueuer interface {
	Enqueue(req scheduler.Request) error
}

// Config is what the API serves from.
type Config struct {
	Functions Functions
	Invoker   Invoker
	Queue     Enqueuer
	Region    string // for ARNs; default us-east-1
	Account   string // for ARNs; default function.DefaultAccount
	Logger    *slog.Logger
	// Limits bound what clients can make the daemon hold (limits.go).
	Limits Limits

	// Verifier, if set, checks every request's SigV4 signature (service
	// SigningService, any region); nil: requests need none.
	Verifier *sigv4.Verifier
}

// NewHandler returns the Invoke API's HTTP handler.
func NewHandler(cfg Config) http.Handler { return newAPI(cfg).handler() }

func newAPI(cfg Config) *api {
	if cfg.Region == "" {
		cfg.Region = function.DefaultRegion
	}
	if cfg.Account == "" {
		cfg.Account = function.DefaultAccount
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Limits = cfg.Limits.withDefaults()
	return &api{cfg: cfg, inflight: &inflight{max: cfg.Limits.MaxInflightBytes}}
}

func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", a.invoke)
	mux.HandleFunc("POST /invoke/{name}", a.shorthand)
	mux.HandleFunc("GET /2015-03-31/functions/{$}", a.listFunctions)
	mux.HandleFunc("GET /2015-03-31/functions/{name}", a.getFunction)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", a.getFunctionConfiguration)
	mux.HandleFunc("GET /2016-08-19/account-settings/{$}", a.getAccountSettings)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		(&serviceError{status: http.StatusNotFound, code: codeUnknownOp,
			message: "lambdad serves Invoke (POST /2015-03-31/functions/{name}/invocations, POST /invoke/{name}), " +
				"GetFunction, GetFunctionConfiguration, ListFunctions and GetAccountSettings; not " + r.Method + " " + r.URL.Path}).write(w)
	})
	if a.cfg.Verifier != nil {
		return a.authenticate(mux)
	}
	return mux
}

type api struct {
	cfg      Config
	inflight *inflight // the request bodies held
}
