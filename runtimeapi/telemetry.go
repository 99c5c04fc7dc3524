package runtimeapi

import (
	"net/http"

	"github.com/lambdad/lambdad/telemetry"
)

// Lambda's Telemetry API (2022-07-01) and Logs API (2020-08-15): an
// extension subscribes, by its identifier, to the sandbox's events and
// output, which package telemetry buffers and delivers to it.

// SetTelemetry sets the hub that subscriptions go to; without one, they
// are refused. Call it before the sandbox starts.
func (s *Server) SetTelemetry(h *telemetry.Hub) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.telemetry = h
}

// handleTelemetry serves PUT /2022-07-01/telemetry.
func (s *Server) handleTelemetry(w http.ResponseWriter, r *http.Request, _ string) {
	s.subscribe(w, r, telemetry.Telemetry)
}

// handleLogs serves PUT /2020-08-15/logs.
func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request, _ string) {
	s.subscribe(w, r, telemetry.Logs)
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request, api telemetry.API) {
	s.mu.Lock()
	e, err := s.extensionLocked(r.Header.Get(hdrExtensionID))
	hub := s.telemetry
	var name string
	if err == nil {
		name = e.name
	}
	s.mu.Unlock()
	switch {
	case err != nil:
		writeExtensionError(w, err)
	case hub == nil:
		writeErrorBody(w, http.StatusForbidden, api.String()+".SubscriptionClosed", "this sandbox has no "+api.String()+" API")
	default:
		hub.ServeSubscribe(w, r, api, name)
	}
}
