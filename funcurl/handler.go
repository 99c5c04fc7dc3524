package funcurl

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
)

// HostSuffix ends the host of a function URL: <id>.lambda-url.localhost.
const HostSuffix = ".lambda-url.localhost"

// Routes finds the URL an id names.
type Routes interface {
	LookupURL(id string) (Target, bool)
}

// Target is what a URL invokes, and how.
type Target struct {
	Function  string
	Qualifier string // function.LatestVersion or an alias
	Config    function.URLConfig
}

// Invoker runs a URL's function synchronously.
type Invoker interface {
	Invoke(ctx context.Context, inv Invocation) (Outcome, error)
}

// Invocation is one invoke of a URL's function.
type Invocation struct {
	Function  string
	Qualifier string
	Event     []byte // the payload format 2.0 event, JSON
	RequestID string
	TraceID   string // the X-Amzn-Trace-Id the client sent, if any
	// Stream, for a RESPONSE_STREAM URL, takes the response as the
	// runtime streams it (its content type through SetContentType first).
	Stream io.Writer
}

// Outcome is how the invocation ended: Payload is the function's result,
// or, if FunctionError, its error document.
type Outcome struct {
	Payload       []byte
	FunctionError bool
}

// Errors an Invoker returns (wrapped) for an invocation that did not run,
// which the handler answers with Lambda's statuses; any other error is
// lambdad's failure (500).
var (
	ErrNotFound     = errors.New("function not found")
	ErrThrottled    = errors.New("throttled")
	ErrShuttingDown = errors.New("shutting down")
)

// Config is what a Handler serves from.
type Config struct {
	Routes  Routes
	Invoker Invoker
	Account string // requestContext.accountId; "": function.DefaultAccount
	Logger  *slog.Logger
	// Now is the clock of requestContext.time; nil: time.Now.
	Now func() time.Time
}

// Handler serves function URLs.
type Handler struct{ cfg Config }

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a Handler.
func NewHandler(cfg Config) *Handler {
	if cfg.Account == "" {
		cfg.Account = function.DefaultAccount
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Handler{cfg: cfg}
}

// URL is the function URL of id served by a listener at addr
// (host:port): http://<id>.lambda-url.localhost:<port>/.
func URL(addr, id string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "80" {
		return "http://" + id + HostSuffix + "/"
	}
	return "http://" + id + HostSuffix + ":" + port + "/"
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, rawPath, path, ok := route(r)
	if !ok {
		writeMessage(w, http.StatusNotFound, "no function URL here: use http://<url-id>"+HostSuffix+"[:port]/ or http://host:port/<url-id>/")
		return
	}
	t, ok := h.cfg.Routes.LookupURL(id)
	if !ok {
		writeMessage(w, http.StatusNotFound, "no function URL "+id)
		return
	}
	cors := t.Config.Cors
	if cors != nil && isPreflight(r) {
		preflight(w, r, cors)
		return
	}
	if cors != nil {
		addCORS(w.Header(), r, cors)
	}
	if r.ContentLength > lambda.MaxSyncPayload {
		writeMessage(w, http.StatusRequestEntityTooLarge, tooLargeMessage)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, lambda.MaxSyncPayload+1))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "could not read the request body: "+err.Error())
		return
	}
	requestID := lambda.NewID()
	event, err := buildEvent(eventRequest{
		r: r, id: id, rawPath: rawPath, path: path, body: body, requestID: requestID,
		account: h.cfg.Account, iam: t.Config.AuthType == function.URLAuthIAM, now: h.cfg.Now(),
	})
	if err != nil || len(body) > lambda.MaxSyncPayload || len(event) > lambda.MaxSyncPayload {
		writeMessage(w, http.StatusRequestEntityTooLarge, tooLargeMessage)
		return
	}
	inv := Invocation{
		Function: t.Function, Qualifier: t.Qualifier, Event: event, RequestID: requestID,
		TraceID: r.Header.Get("X-Amzn-Trace-Id"),
	}
	w.Header().Set("X-Amzn-RequestId", requestID)
	var sw *StreamWriter
	if t.Config.Mode() == function.URLResponseStream {
		sw = NewStreamWriter(w, "")
		inv.Stream = sw
	}
	out, err := h.cfg.Invoker.Invoke(r.Context(), inv)
	if sw != nil && sw.Started() {
		// The status went out with the first byte: what is left is to end
		// the body (an error after it can only cut it short).
		if cerr := sw.Close(); cerr != nil || err != nil || out.FunctionError {
			h.cfg.Logger.Warn("function URL stream ended with an error", "function", t.Function, "url", id, "request_id", requestID,
				"err", errors.Join(cerr, err), "function_error", out.FunctionError)
		}
		return
	}
	switch {
	case errors.Is(err, ErrNotFound):
		writeMessage(w, http.StatusNotFound, "function "+t.Function+" ("+t.Qualifier+") of URL "+id+" not found")
	case errors.Is(err, ErrThrottled):
		writeMessage(w, http.StatusTooManyRequests, "Rate Exceeded.")
	case errors.Is(err, ErrShuttingDown):
		writeMessage(w, http.StatusServiceUnavailable, "lambdad is shutting down")
	case err != nil:
		h.cfg.Logger.Error("function URL invoke failed", "function", t.Function, "url", id, "request_id", requestID, "err", err)
		writeMessage(w, http.StatusInternalServerError, "lambdad could not run the function: "+err.Error())
	case out.FunctionError:
		internalError(w)
	default:
		writeResult(w, out.Payload)
	}
}

// tooLargeMessage answers a request over Lambda's 6 MB.
var tooLargeMessage = "Request must be smaller than " + strconv.Itoa(lambda.MaxSyncPayload) + " bytes for the InvokeFunction operation"

// route is the URL id a request names, and its path without the id's
// prefix (raw and decoded): the host's first label if the host is
// <id>.lambda-url.localhost, else the path's first segment.
func route(r *http.Request) (id, rawPath, path string, ok bool) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	rawPath, path = r.URL.EscapedPath(), r.URL.Path
	if id, found := strings.CutSuffix(host, HostSuffix); found {
		return id, cmpPath(rawPath), cmpPath(path), id != "" && !strings.Contains(id, ".")
	}
	id, restRaw, _ := strings.Cut(strings.TrimPrefix(rawPath, "/"), "/")
	_, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return strings.ToLower(id), "/" + restRaw, "/" + rest, id != ""
}

func cmpPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// writeMessage answers with a JSON {"Message": …}, as Lambda's front end
// answers what never reached the function.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := jsonMarshal(map[string]string{"Message": msg})
	w.Write(b)
}

// internalError is Lambda's answer to a function error (an unhandled
// error, a timeout, a crash) or a result it cannot make a response of.
func internalError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	io.WriteString(w, "Internal Server Error")
}
