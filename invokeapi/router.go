package invokeapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/sigv4"
)

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
	// Functions is the catalog the API serves and changes.
	Functions *catalog.Catalog
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

	// ProvisionedReady, if set, says how many provisioned instances of a
	// function version (function.Config.Key) are initialised, for the
	// provisioned-concurrency configurations' status; nil: all requested.
	ProvisionedReady func(key string) int

	// FunctionURL is the URL that serves the function URL id (the URL
	// listener's, package funcurl), for the URL operations' FunctionUrl;
	// nil: http://<id>.lambda-url.localhost/.
	FunctionURL func(id string) string
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
	mux.HandleFunc("POST /2021-11-15/functions/{name}/response-streaming-invocations", a.invokeStream)
	mux.HandleFunc("GET /2015-03-31/functions/{$}", a.listFunctions)
	mux.HandleFunc("POST /2015-03-31/functions", a.createFunction)
	mux.HandleFunc("POST /2015-03-31/functions/{$}", a.createFunction)
	mux.HandleFunc("GET /2015-03-31/functions/{name}", a.getFunction)
	mux.HandleFunc("DELETE /2015-03-31/functions/{name}", a.deleteFunction)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", a.getFunctionConfiguration)
	mux.HandleFunc("PUT /2015-03-31/functions/{name}/configuration", a.updateFunctionConfiguration)
	mux.HandleFunc("PUT /2015-03-31/functions/{name}/code", a.updateFunctionCode)
	mux.HandleFunc("POST /2015-03-31/functions/{name}/versions", a.publishVersion)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/versions", a.listVersions)
	mux.HandleFunc("POST /2015-03-31/functions/{name}/aliases", a.createAlias)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/aliases", a.listAliases)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/aliases/{alias}", a.getAlias)
	mux.HandleFunc("PUT /2015-03-31/functions/{name}/aliases/{alias}", a.updateAlias)
	mux.HandleFunc("DELETE /2015-03-31/functions/{name}/aliases/{alias}", a.deleteAlias)
	mux.HandleFunc("PUT /2017-10-31/functions/{name}/concurrency", a.putConcurrency)
	mux.HandleFunc("DELETE /2017-10-31/functions/{name}/concurrency", a.deleteConcurrency)
	mux.HandleFunc("GET /2019-09-30/functions/{name}/concurrency", a.getConcurrency)
	mux.HandleFunc("PUT /2019-09-30/functions/{name}/provisioned-concurrency", a.putProvisioned)
	mux.HandleFunc("GET /2019-09-30/functions/{name}/provisioned-concurrency", a.getProvisioned)
	mux.HandleFunc("DELETE /2019-09-30/functions/{name}/provisioned-concurrency", a.deleteProvisioned)
	mux.HandleFunc("POST /2017-03-31/tags/{arn}", a.tagResource)
	mux.HandleFunc("GET /2017-03-31/tags/{arn}", a.listTags)
	mux.HandleFunc("DELETE /2017-03-31/tags/{arn}", a.untagResource)
	mux.HandleFunc("GET /2016-08-19/account-settings/{$}", a.getAccountSettings)
	mux.HandleFunc("GET /2020-06-30/functions/{name}/code-signing-config", a.getCodeSigningConfig)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/policy", a.getPolicy)
	mux.HandleFunc("GET /2024-08-31/functions/{name}/recursion-config", a.getRecursionConfig)
	mux.HandleFunc("GET /2021-07-20/functions/{name}/runtime-management-config", a.getRuntimeManagementConfig)
	mux.HandleFunc("POST /2021-10-31/functions/{name}/url", a.createFunctionURL)
	mux.HandleFunc("GET /2021-10-31/functions/{name}/url", a.getFunctionURL)
	mux.HandleFunc("PUT /2021-10-31/functions/{name}/url", a.updateFunctionURL)
	mux.HandleFunc("DELETE /2021-10-31/functions/{name}/url", a.deleteFunctionURL)
	mux.HandleFunc("GET /2021-10-31/functions/{name}/urls", a.listFunctionURLs)
	mux.HandleFunc("PUT /2019-09-25/functions/{name}/event-invoke-config", a.putEventInvokeConfig)
	mux.HandleFunc("POST /2019-09-25/functions/{name}/event-invoke-config", a.updateEventInvokeConfig)
	mux.HandleFunc("GET /2019-09-25/functions/{name}/event-invoke-config", a.getEventInvokeConfig)
	mux.HandleFunc("DELETE /2019-09-25/functions/{name}/event-invoke-config", a.deleteEventInvokeConfig)
	mux.HandleFunc("GET /2019-09-25/functions/{name}/event-invoke-config/list", a.listEventInvokeConfigs)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		(&serviceError{status: http.StatusNotFound, code: codeUnknownOp,
			message: "lambdad serves Invoke (and POST /invoke/{name}), InvokeWithResponseStream and the control plane's functions, versions, aliases, " +
				"concurrency, tags, URL and event invoke config operations (see the README); not " + r.Method + " " + r.URL.Path}).write(w)
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
