package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/funcurl"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/scheduler"
)

// Function URLs: the listener of Config.URLListen serves package funcurl's
// handler over the catalog's URLs, and invokes through the same path as
// the Invoke API (invokeapi.Runner).

// listenURLs opens the URL listener, if there is to be one (nil, nil if
// not).
func listenURLs(addr string) (net.Listener, error) {
	if addr == "" || addr == "off" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("function URL listener: %w", err)
	}
	return ln, nil
}

// urlServer is the URL listener's server.
func (d *Daemon) urlServer(api invokeapi.Config) *http.Server {
	h := funcurl.NewHandler(funcurl.Config{
		Routes:  urlRoutes{d.functions},
		Invoker: urlInvoker{invokeapi.NewRunner(api)},
		Account: api.Account,
		Logger:  d.logger,
	})
	srv := invokeapi.NewServer(api) // the Invoke API's timeouts and header bounds
	srv.Handler = h
	return srv
}

// functionURL is the URL of the URL id (invokeapi.Config.FunctionURL):
// without a listener, the one it would have on port 80, served by none.
func (d *Daemon) functionURL(id string) string {
	if d.urlLn == nil {
		return "http://" + id + funcurl.HostSuffix + "/"
	}
	return funcurl.URL(d.urlLn.Addr().String(), id)
}

// URLAddr is the function URL listener's address, or nil without one.
func (d *Daemon) URLAddr() net.Addr {
	if d.urlLn == nil {
		return nil
	}
	return d.urlLn.Addr()
}

// urlRoutes finds URLs in the catalog.
type urlRoutes struct{ c *catalog.Catalog }

func (r urlRoutes) LookupURL(id string) (funcurl.Target, bool) {
	u, ok := r.c.LookupURL(id)
	return funcurl.Target{Function: u.Function, Qualifier: u.Qualifier, Config: u.Config}, ok
}

// urlInvoker runs URLs' functions, its errors in funcurl's words.
type urlInvoker struct{ r *invokeapi.Runner }

func (i urlInvoker) Invoke(ctx context.Context, inv funcurl.Invocation) (funcurl.Outcome, error) {
	res, err := i.r.Run(ctx, invokeapi.RunRequest{Function: inv.Function, Qualifier: inv.Qualifier,
		Payload: inv.Event, RequestID: inv.RequestID, TraceID: inv.TraceID, Stream: inv.Stream})
	switch {
	case err == nil:
		return funcurl.Outcome{Payload: res.Payload, FunctionError: res.FunctionError()}, nil
	case errors.Is(err, catalog.ErrNotFound):
		return funcurl.Outcome{}, fmt.Errorf("%w: %w", funcurl.ErrNotFound, err)
	case errors.Is(err, scheduler.ErrThrottled), errors.Is(err, scheduler.ErrQueueFull):
		return funcurl.Outcome{}, fmt.Errorf("%w: %w", funcurl.ErrThrottled, err)
	case errors.Is(err, scheduler.ErrShuttingDown):
		return funcurl.Outcome{}, fmt.Errorf("%w: %w", funcurl.ErrShuttingDown, err)
	}
	return funcurl.Outcome{}, err
}

// shutdownURLs stops the URL listener as Shutdown stops the Invoke API's.
func (d *Daemon) shutdownURLs(ctx context.Context) {
	d.urlSrv.Shutdown(ctx)
	if d.urlLn != nil {
		d.urlLn.Close() // if Run never served it
	}
}
