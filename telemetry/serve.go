package telemetry

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxRequestBody bounds a subscribe request's body: a real one is a few
// hundred bytes.
const maxRequestBody = 64 << 10

// bodyOK is a good subscription's answer, as Lambda's reference shows it:
// the JSON string "OK".
var bodyOK = []byte(`"OK"`)

// ServeSubscribe serves PUT /2022-07-01/telemetry (api Telemetry) or PUT
// /2020-08-15/logs (api Logs) for the extension name, whose
// Lambda-Extension-Identifier the caller checked. It validates the body,
// records or replaces the extension's subscription, answers as Lambda does
// (200 "OK", or 400 with a ValidationError document), and emits
// platform.telemetrySubscription (platform.logsSubscription to the Logs
// API's subscribers).
func (h *Hub) ServeSubscribe(w http.ResponseWriter, r *http.Request, api API, name string) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", http.MethodPut)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Method "+r.Method+" not allowed on "+r.URL.Path)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, validationType(api), "could not read request body: "+err.Error())
		return
	}
	sub, err := parseSubscription(api, body)
	if err == nil {
		err = h.subscribe(name, api, sub)
	}
	switch {
	case errors.Is(err, errClosed):
		writeError(w, http.StatusForbidden, api.String()+".SubscriptionClosed", api.String()+" API subscription is closed already")
		return
	case errors.Is(err, errOtherAPI):
		other := Logs
		if api == Logs {
			other = Telemetry
		}
		writeError(w, http.StatusBadRequest, validationType(api), "extension "+name+" already subscribed to the "+other.String()+" API")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, validationType(api), err.Error())
		return
	}
	h.logger.Debug("telemetry: subscribed", "extension", name, "api", api.String(), "types", sub.types)
	writeJSON(w, http.StatusOK, bodyOK)
	h.emit(time.Now(), classPlatform, func(e encoding) []record {
		typ := typeTelemetrySubscription
		if e.api() == Logs {
			typ = typeLogsSubscription
		}
		return []record{{typ, subscriptionRecord{Name: name, State: "Subscribed", Types: sub.types}}}
	})
}

// validationType is the errorType of a bad request, per API.
func validationType(api API) string {
	if api == Logs {
		return "Logs.ValidationError"
	}
	return "ValidationError"
}

func writeError(w http.ResponseWriter, status int, errorType, message string) {
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{errorType, message})
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
