package invokeapi

import (
	"net/http"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// Asynchronous invocation configurations: PutFunctionEventInvokeConfig,
// UpdateFunctionEventInvokeConfig, GetFunctionEventInvokeConfig,
// DeleteFunctionEventInvokeConfig and ListFunctionEventInvokeConfigs.
// The async queue (package scheduler) applies them: retries, maximum age,
// destinations (a function, or lambdad's own file:// directory; SQS, SNS
// and EventBridge are refused).

// functionEventInvokeConfig is Lambda's answer to these operations (and
// an element of ListFunctionEventInvokeConfigs').
type functionEventInvokeConfig struct {
	FunctionArn              string
	LastModified             float64 // seconds since the epoch
	MaximumRetryAttempts     int
	MaximumEventAgeInSeconds int
	DestinationConfig        function.DestinationConfig
}

func (a *api) eventInvokeConfig(e catalog.EventInvokeConfig) functionEventInvokeConfig {
	q := e.Qualifier
	out := functionEventInvokeConfig{
		FunctionArn:              function.ARN(a.cfg.Region, a.cfg.Account, e.Function, q),
		LastModified:             float64(e.LastModified.UnixMilli()) / 1000,
		MaximumRetryAttempts:     e.Config.RetryAttempts(),
		MaximumEventAgeInSeconds: int(e.Config.MaxAge().Seconds()),
	}
	if d := e.Config.DestinationConfig; d != nil {
		out.DestinationConfig = *d
	}
	return out
}

// putEventInvokeConfig is PUT /2019-09-25/functions/{name}/event-invoke-config:
// the configuration given replaces the old one whole.
func (a *api) putEventInvokeConfig(w http.ResponseWriter, r *http.Request) {
	a.editEventInvokeConfig(w, r, "PutFunctionEventInvokeConfig", a.cfg.Functions.PutEventInvokeConfig)
}

// updateEventInvokeConfig is POST /2019-09-25/functions/{name}/event-invoke-config:
// the fields given replace the old ones (DestinationConfig whole).
func (a *api) updateEventInvokeConfig(w http.ResponseWriter, r *http.Request) {
	a.editEventInvokeConfig(w, r, "UpdateFunctionEventInvokeConfig", a.cfg.Functions.UpdateEventInvokeConfig)
}

func (a *api) editEventInvokeConfig(w http.ResponseWriter, r *http.Request, op string,
	edit func(name, qualifier string, cfg function.EventInvokeConfig) (catalog.EventInvokeConfig, error)) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	var in function.EventInvokeConfig
	if serr := a.decodeBody(w, r, maxControlRequest, op, &in, nil); serr != nil {
		serr.write(w)
		return
	}
	e, err := edit(fn.Name, fn.Qualifier, in)
	if err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	writeJSON(w, a.eventInvokeConfig(e))
}

// getEventInvokeConfig is GET /2019-09-25/functions/{name}/event-invoke-config.
func (a *api) getEventInvokeConfig(w http.ResponseWriter, r *http.Request) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	e, err := a.cfg.Functions.EventInvokeConfig(fn.Name, fn.Qualifier)
	if err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	writeJSON(w, a.eventInvokeConfig(e))
}

// deleteEventInvokeConfig is DELETE /2019-09-25/functions/{name}/event-invoke-config.
func (a *api) deleteEventInvokeConfig(w http.ResponseWriter, r *http.Request) {
	fn, serr := urlRef(r)
	if serr != nil {
		serr.write(w)
		return
	}
	if err := a.cfg.Functions.DeleteEventInvokeConfig(fn.Name, fn.Qualifier); err != nil {
		a.urlError(err, fn).write(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listEventInvokeConfigs is GET /2019-09-25/functions/{name}/event-invoke-config/list.
func (a *api) listEventInvokeConfigs(w http.ResponseWriter, r *http.Request) {
	name, serr := apiName(r.PathValue("name"))
	if serr != nil {
		serr.write(w)
		return
	}
	all, err := a.cfg.Functions.EventInvokeConfigs(name)
	if err != nil {
		a.urlError(err, function.Ref{Name: name}).write(w)
		return
	}
	page, next, serr := pageOf(all, r.URL.Query(), func(e catalog.EventInvokeConfig) string { return e.Qualifier })
	if serr != nil {
		serr.write(w)
		return
	}
	out := struct {
		FunctionEventInvokeConfigs []functionEventInvokeConfig
		NextMarker                 string `json:",omitempty"`
	}{FunctionEventInvokeConfigs: []functionEventInvokeConfig{}, NextMarker: next}
	for _, e := range page {
		out.FunctionEventInvokeConfigs = append(out.FunctionEventInvokeConfigs, a.eventInvokeConfig(e))
	}
	writeJSON(w, out)
}
