package invokeapi

import (
	"cmp"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/scheduler"
)

// invoke serves POST /2015-03-31/functions/{name}/invocations.
func (a *api) invoke(w http.ResponseWriter, r *http.Request) {
	inv, serr := a.parse(w, r, r.PathValue("name"), r.URL.Query().Get("Qualifier"))
	if serr != nil {
		serr.write(w)
		return
	}
	defer a.inflight.release(inv.held)
	w.Header().Set("X-Amzn-RequestId", inv.req.RequestID)
	switch inv.kind {
	case invocationDryRun:
		w.WriteHeader(http.StatusNoContent)
	case invocationEvent:
		if err := a.cfg.Queue.Enqueue(inv.req); err != nil {
			a.schedulerError(err, inv).write(w)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		res, err := a.cfg.Invoker.Invoke(r.Context(), inv.req)
		if err != nil {
			a.schedulerError(err, inv).write(w)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Amz-Executed-Version", cmp.Or(inv.function.Version, function.LatestVersion))
		if res.FunctionError() {
			h.Set("X-Amz-Function-Error", "Unhandled")
		}
		if inv.tail {
			h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.Log))
		}
		w.WriteHeader(http.StatusOK)
		w.Write(res.Payload)
	}
}

// schedulerError maps a failure to run the function to a service error.
func (a *api) schedulerError(err error, inv *invocation) *serviceError {
	switch {
	case errors.Is(err, scheduler.ErrPidsBudget): // a host-wide limit, as an account's concurrency
		return &serviceError{status: http.StatusTooManyRequests, code: codeTooManyRequests,
			message: "Rate Exceeded: " + strings.TrimPrefix(err.Error(), scheduler.ErrThrottled.Error()+": "),
			reason:  "ConcurrentInvocationLimitExceeded"}
	case errors.Is(err, scheduler.ErrThrottled), errors.Is(err, scheduler.ErrQueueFull):
		return &serviceError{status: http.StatusTooManyRequests, code: codeTooManyRequests,
			message: "Rate Exceeded.", reason: "ReservedFunctionConcurrentInvocationLimitExceeded"}
	case errors.Is(err, scheduler.ErrTooLargeForBudget):
		return invalidParam(err.Error())
	case errors.Is(err, scheduler.ErrShuttingDown): // not an error of lambdad's: no log
		return &serviceError{status: http.StatusServiceUnavailable, code: codeService, message: "lambdad is shutting down"}
	}
	a.cfg.Logger.Error("invoke failed", "function", inv.function.Name, "request_id", inv.req.RequestID, "err", err)
	return &serviceError{status: http.StatusInternalServerError, code: codeService, message: "lambdad could not run the function: " + err.Error()}
}

// shorthand serves POST /invoke/{name}: body in, result out.
func (a *api) shorthand(w http.ResponseWriter, r *http.Request) {
	r.Header.Del("X-Amz-Invocation-Type")
	a.invoke(w, r)
}
