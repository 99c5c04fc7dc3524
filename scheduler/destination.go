package scheduler

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
)

// Conditions of an invocation record: why the event ended.
const (
	conditionSuccess          = "Success"
	conditionRetriesExhausted = "RetriesExhausted"
	conditionAgeExceeded      = "EventAgeExceeded"
)

// InvocationRecord is what a destination gets: Lambda's invocation record
// of an asynchronous invocation.
type InvocationRecord struct {
	Version         string           `json:"version"`
	Timestamp       string           `json:"timestamp"`
	RequestContext  RecordRequest    `json:"requestContext"`
	RequestPayload  json.RawMessage  `json:"requestPayload"`
	ResponseContext *RecordResponse  `json:"responseContext,omitempty"`
	ResponsePayload *json.RawMessage `json:"responsePayload,omitempty"`
}

// RecordRequest is an InvocationRecord's requestContext.
type RecordRequest struct {
	RequestID              string `json:"requestId"`
	FunctionARN            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// RecordResponse is an InvocationRecord's responseContext.
type RecordResponse struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// record is e's invocation record; res is nil for an event that expired.
func record(e AsyncEvent, condition string, version string, res *Result, now time.Time) InvocationRecord {
	arn := e.FunctionARN
	if strings.Count(arn, ":") < 7 {
		arn += ":" + function.LatestVersion
	}
	r := InvocationRecord{
		Version:        "1.0",
		Timestamp:      now.UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: RecordRequest{RequestID: e.ID, FunctionARN: arn, Condition: condition, ApproximateInvokeCount: e.Runs},
		RequestPayload: asJSON(e.Payload),
	}
	if res != nil {
		r.ResponseContext = &RecordResponse{StatusCode: 200, ExecutedVersion: version}
		if res.FunctionError() {
			r.ResponseContext.FunctionError = "Unhandled"
		}
		p := asJSON(res.Payload)
		r.ResponsePayload = &p
	}
	return r
}

// asJSON is b if it is JSON, else b as a JSON string (null if empty).
func asJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// deliver sends e's record to dest, if any: a function's ARN gets it as
// an Event invocation of its own (through this queue), a file:// directory
// as a file. The record's event id derives from e's, so that a delivery
// repeated after a crash replaces the first if it has not run yet. A
// delivery that fails is logged: the record is lost, the event is done.
func (q *Queue) deliver(log *slog.Logger, dest string, e AsyncEvent, condition string, res *Result) {
	if dest == "" {
		return
	}
	version := function.LatestVersion
	if fn, err := q.resolve(e); err == nil && fn.Version != "" {
		version = fn.Version
	}
	rec := record(e, condition, version, res, q.clock.Now())
	body, err := json.Marshal(rec)
	if err == nil {
		err = q.send(dest, e, condition, body)
	}
	if err != nil {
		log.Error("async invocation record not delivered", "destination", dest, "condition", condition, "err", err)
		return
	}
	log.Info("async invocation record delivered", "destination", dest, "condition", condition)
}

func (q *Queue) send(dest string, e AsyncEvent, condition string, body []byte) error {
	id := derivedID(e.ID, condition)
	if dir, ok := strings.CutPrefix(dest, function.FileDestinationPrefix); ok {
		return writeRecord(dir, id, body)
	}
	ref, err := function.ParseName(dest)
	if err != nil {
		return err
	}
	var fn *function.Config
	if q.cfg.Resolve == nil { // tests: the destination's function is a bare name
		fn = &function.Config{Name: ref.Name}
	}
	now := q.clock.Now()
	return q.put(AsyncEvent{ID: id, Function: ref.Name, Qualifier: ref.Qualifier, FunctionARN: dest, Payload: body,
		ContentType: "application/json", Enqueued: now, Due: now}, fn)
}

// writeRecord writes body to dir/<id>.json: to a temporary name, synced,
// then renamed, so a reader sees whole records only.
func writeRecord(dir, id string, body []byte) error {
	f, err := os.CreateTemp(dir, "."+id+"-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(append(body, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, id+".json"))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write record %s: %w", id, err)
	}
	return nil
}

// derivedID is a UUID made from id and condition.
func derivedID(id, condition string) string {
	b := sha256.Sum256([]byte(id + "/" + condition))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
