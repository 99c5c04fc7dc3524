package invokeapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

// Limits and values of the Invoke API (payload limits are lambda's).
const (
	MaxClientContext   = 3583
	invocationSync     = "RequestResponse"
	invocationEvent    = "Event"
	invocationDryRun   = "DryRun"
	logTypeNone        = "None"
	logTypeTail        = "Tail"
	defaultContentType = "application/json"
)

// invocation is a validated Invoke request.
type invocation struct {
	req      scheduler.Request
	kind     string // RequestResponse, Event or DryRun
	tail     bool
	function function.Config
	held     int64 // bytes of a.inflight the payload holds, until the handler returns
}

// parse validates an Invoke request for the function named by the path
// segment name (already percent-decoded) and qualifier.
func (a *api) parse(w http.ResponseWriter, r *http.Request, name, qualifier string) (*invocation, *serviceError) {
	fn, arn, serr := a.function(name, qualifier)
	if serr != nil {
		return nil, serr
	}

	inv := &invocation{function: fn, kind: r.Header.Get("X-Amz-Invocation-Type")}
	switch inv.kind {
	case "":
		inv.kind = invocationSync
	case invocationSync, invocationEvent, invocationDryRun:
	default:
		return nil, invalidParam(fmt.Sprintf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", inv.kind))
	}
	switch lt := r.Header.Get("X-Amz-Log-Type"); lt {
	case "", logTypeNone:
	case logTypeTail:
		inv.tail = true
	default:
		return nil, invalidParam(fmt.Sprintf("1 validation error detected: Value '%s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]", lt))
	}
	clientContext, serr := decodeClientContext(r.Header.Get("X-Amz-Client-Context"))
	if serr != nil {
		return nil, serr
	}
	limit := lambda.MaxSyncPayload
	if inv.kind == invocationEvent {
		limit = lambda.MaxAsyncPayload
	}
	payload, held, serr := a.readPayload(w, r, limit)
	if serr != nil {
		return nil, serr
	}
	inv.held = held
	named, _ := ref(name, qualifier) // checked by a.function
	contentType := defaultContentType
	inv.req = scheduler.Request{
		Function:      fn,
		RequestID:     lambda.NewID(),
		Qualifier:     named.Qualifier,
		Payload:       payload,
		ContentType:   contentType,
		FunctionARN:   arn,
		TraceID:       r.Header.Get("X-Amzn-Trace-Id"),
		ClientContext: clientContext,
	}
	return inv, nil
}

// readBody reads the request's body, at most limit bytes, held against
// a.inflight: by its Content-Length before a byte is read, or, for a
// chunked body, as it arrives. It returns the bytes held, which the caller
// releases once it lets go of the body; on error it holds none. The body
// must arrive within Limits.BodyTimeout.
func (a *api) readBody(w http.ResponseWriter, r *http.Request, limit int) ([]byte, int64, *serviceError) {
	if r.ContentLength > int64(limit) {
		return nil, 0, tooLarge(limit)
	}
	// Not supported by test recorders: then there is no deadline.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(a.cfg.Limits.BodyTimeout))
	var body []byte
	var held int64
	var err error
	if r.ContentLength >= 0 {
		if !a.inflight.reserve(r.ContentLength) {
			return nil, 0, a.tooManyBytes()
		}
		held = r.ContentLength
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	} else {
		rr := &reservingReader{r: io.LimitReader(r.Body, int64(limit)+1), b: a.inflight}
		body, err = io.ReadAll(rr)
		held = rr.held
	}
	if err == nil {
		// A sync invoke may run for 15 minutes: no deadline meanwhile. (After
		// a failed read the deadline stays, for the server's discarding of
		// the rest of the body.)
		rc.SetReadDeadline(time.Time{})
	}
	switch {
	case errors.Is(err, errNoRoom):
		a.inflight.release(held)
		return nil, 0, a.tooManyBytes()
	case err != nil:
		a.inflight.release(held)
		return nil, 0, &serviceError{status: http.StatusBadRequest, code: codeInvalidContent, message: "could not read the request body: " + err.Error()}
	case len(body) > limit:
		a.inflight.release(held)
		return nil, 0, tooLarge(limit)
	}
	return body, held, nil
}

// readPayload is the request's JSON payload of at most limit bytes (empty
// means {}): the body authenticate read (and holds), or read here by
// readBody, with the bytes held that the caller releases.
func (a *api) readPayload(w http.ResponseWriter, r *http.Request, limit int) ([]byte, int64, *serviceError) {
	payload, read := r.Context().Value(bodyKey{}).([]byte)
	var held int64
	if !read {
		var serr *serviceError
		if payload, held, serr = a.readBody(w, r, limit); serr != nil {
			return nil, 0, serr
		}
	}
	switch {
	case len(payload) > limit:
		a.inflight.release(held)
		return nil, 0, tooLarge(limit)
	case len(bytes.TrimSpace(payload)) == 0:
		a.inflight.release(held)
		return []byte("{}"), 0, nil
	case !json.Valid(payload):
		a.inflight.release(held)
		return nil, 0, &serviceError{status: http.StatusBadRequest, code: codeInvalidContent,
			message: "Could not parse request body into json: the payload is not valid JSON"}
	}
	return payload, held, nil
}

// tooManyBytes answers a request whose body does not fit under
// Limits.MaxInflightBytes.
func (a *api) tooManyBytes() *serviceError {
	return &serviceError{status: http.StatusTooManyRequests, code: codeTooManyRequests, reason: "CallerRateLimitExceeded",
		message: fmt.Sprintf("Rate Exceeded: lambdad holds at most %d bytes of request bodies at once (--max-inflight-bytes); retry later", a.cfg.Limits.MaxInflightBytes)}
}

// errNoRoom: a chunked body outgrew what a.inflight could give it.
var errNoRoom = errors.New("no room for the request body")

// readChunk bounds what reservingReader reserves ahead of a read.
const readChunk = 64 << 10

// reservingReader reads r, holding each chunk against b before reading it
// and keeping what was read.
type reservingReader struct {
	r    io.Reader
	b    *inflight
	held int64
}

func (rr *reservingReader) Read(p []byte) (int, error) {
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	if !rr.b.reserve(int64(len(p))) {
		return 0, errNoRoom
	}
	n, err := rr.r.Read(p)
	rr.b.release(int64(len(p) - n))
	rr.held += int64(n)
	return n, err
}

// decodeClientContext turns X-Amz-Client-Context (base64 JSON) into JSON.
func decodeClientContext(h string) (string, *serviceError) {
	if h == "" {
		return "", nil
	}
	if len(h) > MaxClientContext {
		return "", invalidParam(fmt.Sprintf("Client context must be at most %d bytes of base64", MaxClientContext))
	}
	data, err := base64.StdEncoding.DecodeString(h)
	if err != nil || !json.Valid(data) || !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return "", invalidParam("Client context must be a valid Base64-encoded JSON object")
	}
	return string(data), nil
}
