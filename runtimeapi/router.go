package runtimeapi

import (
	"net/http"
	"strings"

	"github.com/lambdad/lambdad/telemetry"
)

// endpoint is one of the Runtime API's paths.
type endpoint int

const (
	epUnknown endpoint = iota
	epNext
	epResponse
	epError
	epInitError
	epRegister
	epEventNext
	epExtensionInitError
	epExtensionExitError
	epTelemetry
	epLogs
)

// handler serves one endpoint; id is the request id in the path, if the
// endpoint has one.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, id string)

// routes is the route table.
var routes = [...]struct {
	method string
	handle handler
}{
	epNext:      {http.MethodGet, (*Server).handleNext},       // next.go
	epResponse:  {http.MethodPost, (*Server).handleResponse},  // response.go
	epError:     {http.MethodPost, (*Server).handleError},     // errorpost.go
	epInitError: {http.MethodPost, (*Server).handleInitError}, // initerror.go

	epRegister:           {http.MethodPost, (*Server).handleRegister},           // extensionapi.go
	epEventNext:          {http.MethodGet, (*Server).handleEventNext},           // extensionapi.go
	epExtensionInitError: {http.MethodPost, (*Server).handleExtensionInitError}, // extensionapi.go
	epExtensionExitError: {http.MethodPost, (*Server).handleExtensionExitError}, // extensionapi.go
	epTelemetry:          {http.MethodPut, (*Server).handleTelemetry},           // telemetry.go
	epLogs:               {http.MethodPut, (*Server).handleLogs},                // telemetry.go
}

const (
	apiPrefix       = "/2018-06-01/runtime/"
	extensionPrefix = "/2020-01-01/extension/"
)

// extensionPaths are the Extensions API's endpoints, after extensionPrefix.
var extensionPaths = map[string]endpoint{
	"register":   epRegister,
	"event/next": epEventNext,
	"init/error": epExtensionInitError,
	"exit/error": epExtensionExitError,
}

// parsePath maps a request path to its endpoint and the request id in it.
// The id of /invocation/{id}/… is one path segment, possibly empty (the
// handler answers 400 for that).
func parsePath(path string) (endpoint, string) {
	switch path {
	case telemetry.TelemetryPath:
		return epTelemetry, ""
	case telemetry.LogsPath:
		return epLogs, ""
	}
	if rest, ok := strings.CutPrefix(path, extensionPrefix); ok {
		return extensionPaths[rest], "" // epUnknown if absent
	}
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		return epUnknown, ""
	}
	switch rest {
	case "invocation/next":
		return epNext, ""
	case "init/error":
		return epInitError, ""
	}
	rest, ok = strings.CutPrefix(rest, "invocation/")
	if !ok {
		return epUnknown, ""
	}
	id, action, _ := strings.Cut(rest, "/")
	switch action {
	case "response":
		return epResponse, id
	case "error":
		return epError, id
	}
	return epUnknown, ""
}

// router dispatches a server's requests along routes.
type router struct{ s *Server }

func (rt router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep, id := parsePath(r.URL.Path)
	if ep == epUnknown {
		writeNotFound(w, r)
		return
	}
	route := routes[ep]
	if r.Method != route.method {
		writeMethodNotAllowed(w, r, route.method)
		return
	}
	route.handle(rt.s, w, r, id)
}
