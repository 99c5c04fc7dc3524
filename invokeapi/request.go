package invokeapi

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/scheduler"
)

// ErrFunctionNotFound is what Functions.Lookup returns for an unknown name.
var ErrFunctionNotFound = errors.New("function not found")

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
}

// parse validates an Invoke request for the function named by the path
// segment name (already percent-decoded) and qualifier.
func (a *api) parse(r *http.Request, name, qualifier string) (*invocation, *serviceError) {
	ref, err := function.ParseName(name)
	if err != nil {
		return nil, invalidParam(err.Error())
	}
	if qualifier != "" && ref.Qualifier != "" && qualifier != ref.Qualifier {
		return nil, invalidParam(fmt.Sprintf("the qualifier %q in the function name and the Qualifier %q differ", ref.Qualifier, qualifier))
	}
	if qualifier == "" {
		qualifier = ref.Qualifier
	}
	arn := function.ARN(a.cfg.Region, a.cfg.Account, ref.Name, qualifier)
	if qualifier != "" && qualifier != function.LatestVersion {
		return nil, &serviceError{status: http.StatusNotFound, code: codeNotFound,
			message: "Function not found: " + arn + " (lambdad serves $LATEST only)"}
	}
	fn, err := a.cfg.Functions.Lookup(ref.Name)
	if errors.Is(err, ErrFunctionNotFound) {
		return nil, &serviceError{status: http.StatusNotFound, code: codeNotFound, message: "Function not found: " + arn}
	} else if err != nil {
		return nil, invalidParam(fmt.Sprintf("function %s cannot run: %v", ref.Name, err))
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
	payload, serr := readPayload(r, limit)
	if serr != nil {
		return nil, serr
	}
	contentType := defaultContentType
	inv.req = scheduler.Request{
		Function:      fn,
		RequestID:     newRequestID(),
		Payload:       payload,
		ContentType:   contentType,
		FunctionARN:   arn,
		TraceID:       r.Header.Get("X-Amzn-Trace-Id"),
		ClientContext: clientContext,
	}
	return inv, nil
}

// readPayload is the request's JSON payload of at most limit bytes (the
// body authenticate read, or read here); empty means {}.
func readPayload(r *http.Request, limit int) ([]byte, *serviceError) {
	payload, read := r.Context().Value(bodyKey{}).([]byte)
	if !read {
		var serr *serviceError
		if payload, serr = readBody(r.Body, limit); serr != nil {
			return nil, serr
		}
	}
	if len(payload) > limit {
		return nil, tooLarge(limit)
	}
	if len(bytes.TrimSpace(payload)) == 0 {
		return []byte("{}"), nil
	}
	if !json.Valid(payload) {
		return nil, &serviceError{status: http.StatusBadRequest, code: codeInvalidContent,
			message: "Could not parse request body into json: the payload is not valid JSON"}
	}
	return payload, nil
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

// newRequestID is a random (version 4) UUID.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
