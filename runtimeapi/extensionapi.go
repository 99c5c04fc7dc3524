package runtimeapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/lambdad/lambdad/lambda"
)

// The Extensions API's headers and error types (Lambda's names).
const (
	hdrExtensionName       = "Lambda-Extension-Name"
	hdrExtensionID         = "Lambda-Extension-Identifier"
	hdrExtensionEventID    = "Lambda-Extension-Event-Identifier"
	hdrExtensionErrorType  = "Lambda-Extension-Function-Error-Type"
	hdrExtensionAccept     = "Lambda-Extension-Accept-Feature"
	featureAccountID       = "accountId"
	maxRegisterRequestBody = 64 << 10

	errTypeInvalidExtensionName  = "Extension.InvalidExtensionName"
	errTypeRegistrationClosed    = "Extension.RegistrationClosed"
	errTypeUnknownExtension      = "Extension.UnknownExtensionIdentifier"
	errTypeInvalidExtensionState = "Extension.InvalidExtensionState"
	errTypeMissingHeader         = "Extension.MissingHeader"
	errTypeTooManyExtensions     = "Extension.TooManyExtensions"
	errTypeInvalidEventType      = "Extension.InvalidEventType"
	errTypeInvalidRequestFormat  = "InvalidRequestFormat"
)

// handleRegister serves POST /2020-01-01/extension/register: 200 with the
// extension's identifier and the function's name, version and handler.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request, _ string) {
	name := r.Header.Get(hdrExtensionName)
	if name == "" || !validHeaderValue(name) {
		writeErrorBody(w, http.StatusForbidden, errTypeInvalidExtensionName, "Empty extension name")
		return
	}
	var req struct {
		Events            []string `json:"events"`
		ConfigurationKeys []string `json:"configurationKeys"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRegisterRequestBody))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err == nil && len(req.ConfigurationKeys) > 0 {
		err = fmt.Errorf("configurationKeys are deprecated; use environment variables instead")
	}
	if err != nil {
		writeErrorBody(w, http.StatusForbidden, errTypeInvalidRequestFormat, err.Error())
		return
	}
	e, err := s.register(r.Context(), name, req.Events)
	if err != nil {
		writeExtensionError(w, err)
		return
	}
	s.mu.Lock()
	f := s.function
	s.mu.Unlock()
	resp := struct {
		FunctionName    string `json:"functionName"`
		FunctionVersion string `json:"functionVersion"`
		Handler         string `json:"handler"`
		AccountID       string `json:"accountId,omitempty"`
	}{FunctionName: f.Name, FunctionVersion: f.Version, Handler: f.Handler}
	for feature := range strings.SplitSeq(r.Header.Get(hdrExtensionAccept), ",") {
		if strings.TrimSpace(feature) == featureAccountID {
			resp.AccountID = f.AccountID
		}
	}
	b, _ := json.Marshal(resp)
	w.Header().Set(hdrExtensionID, e.id)
	writeJSON(w, http.StatusOK, b)
}

// handleEventNext serves GET /2020-01-01/extension/event/next: the
// extension is done with its last event; it waits, without limit, for the
// next one.
func (s *Server) handleEventNext(w http.ResponseWriter, r *http.Request, _ string) {
	ch, err := s.parkExtension(r.Header.Get(hdrExtensionID))
	if err != nil {
		writeExtensionError(w, err)
		return
	}
	var ev []byte
	select {
	case ev = <-ch:
	case <-r.Context().Done():
		s.unparkExtension(r.Header.Get(hdrExtensionID), ch)
		return
	case <-s.closed:
		writeError(w, ErrClosed)
		return
	}
	if ev == nil {
		writeErrorBody(w, http.StatusForbidden, errTypeInvalidExtensionState, "a newer GET /event/next replaced this one")
		return
	}
	w.Header().Set(hdrExtensionEventID, lambda.NewID())
	writeJSON(w, http.StatusOK, ev)
}

// parkExtension records that the extension id waits for an event, and
// returns the channel it comes on: at once if one is queued.
func (s *Server) parkExtension(id string) (chan []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.extensionLocked(id)
	if err != nil {
		return nil, err
	}
	if !e.started || !e.done {
		e.started, e.done = true, true
		s.changedLocked()
	}
	if e.waiter != nil {
		e.waiter <- nil
	}
	ch := make(chan []byte, 1)
	if e.queued != nil {
		ch <- e.queued
		e.queued = nil
		e.done = false
		return ch, nil
	}
	e.waiter = ch
	return ch, nil
}

// unparkExtension withdraws the GET /event/next waiting on ch, whose
// extension went away; an event handed to it meanwhile is queued again.
func (s *Server) unparkExtension(id string, ch chan []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.extByID[id]
	if e == nil {
		return
	}
	if e.waiter == ch {
		e.waiter = nil
		return
	}
	select {
	case ev := <-ch:
		if ev != nil && e.queued == nil {
			e.queued = ev
		}
	default:
	}
}

// extensionLocked is the extension registered as id; s.mu must be held.
func (s *Server) extensionLocked(id string) (*extension, error) {
	switch {
	case s.state == StateClosed:
		return nil, ErrClosed
	case id == "":
		return nil, &registerError{errTypeMissingHeader, hdrExtensionID + " not found"}
	}
	e := s.extByID[id]
	if e == nil {
		return nil, &registerError{errTypeUnknownExtension, "Unknown extension " + id}
	}
	return e, nil
}

// handleExtensionInitError serves POST /2020-01-01/extension/init/error:
// the extension could not initialise; the sandbox's init fails with its
// error type.
func (s *Server) handleExtensionInitError(w http.ResponseWriter, r *http.Request, _ string) {
	s.extensionError(w, r, true)
}

// handleExtensionExitError serves POST /2020-01-01/extension/exit/error:
// the extension is about to exit with an error.
func (s *Server) handleExtensionExitError(w http.ResponseWriter, r *http.Request, _ string) {
	s.extensionError(w, r, false)
}

func (s *Server) extensionError(w http.ResponseWriter, r *http.Request, init bool) {
	typ := r.Header.Get(hdrExtensionErrorType)
	body, _, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	e, err := s.extensionLocked(r.Header.Get(hdrExtensionID))
	switch {
	case err != nil:
	case typ == "":
		err = &registerError{errTypeMissingHeader, hdrExtensionErrorType + " not found"}
	case init && (e.started && s.state != StateInitializing || s.initErr != nil || s.extInitErr != nil):
		err = &registerError{errTypeInvalidExtensionState, "init error after init: extension " + e.name}
	case init:
		if len(body) == 0 {
			body, _ = json.Marshal(errorBody{ErrorType: typ, ErrorMessage: "Extension " + e.name + " failed to initialise"})
		}
		s.extInitErr = &InitError{ErrorType: typ, Body: body}
		if c := s.call; c != nil {
			s.call = nil
			c.finish(Result{}, s.extInitErr)
		}
		s.changedLocked()
	default:
		e.exitErr = typ
	}
	s.mu.Unlock()
	if err != nil {
		writeExtensionError(w, err)
		return
	}
	writeAccepted(w)
}

// writeExtensionError answers a refused Extensions API request.
func writeExtensionError(w http.ResponseWriter, err error) {
	if re, ok := err.(*registerError); ok {
		writeErrorBody(w, http.StatusForbidden, re.errorType, re.message)
		return
	}
	writeError(w, err)
}
