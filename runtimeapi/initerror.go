package runtimeapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// handleInitError serves POST /runtime/init/error: 202 while the runtime
// initialises (before its first GET /next), 403 after. The body and error
// type are kept as the *InitError that WaitReady and a waiting Invoke return.
func (s *Server) handleInitError(w http.ResponseWriter, r *http.Request, _ string) {
	if err := s.checkInitializing(); err != nil {
		writeError(w, err)
		return
	}
	body, _, err := readBody(r)
	tooLarge := errors.Is(err, errTooLarge)
	if err != nil && !tooLarge {
		writeError(w, err)
		return
	}
	ie := &InitError{ErrorType: errorType(r, body), Body: body}
	if tooLarge {
		ie.Body, _ = json.Marshal(errorBody{
			ErrorType:    ie.ErrorType,
			ErrorMessage: "Init error document exceeded maximum allowed payload size (" + maxPayloadString + " bytes).",
		})
	}
	if err := s.initFailed(ie); err != nil {
		writeError(w, err)
		return
	}
	if tooLarge {
		writeError(w, errTooLarge)
		return
	}
	writeAccepted(w)
}

// checkInitializing returns an error unless init/error is allowed now, so
// that a refused post is answered without reading its body.
func (s *Server) checkInitializing() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErrorAllowed()
}

func (s *Server) initErrorAllowed() error {
	if _, ok := s.state.next(evInitError); !ok {
		if s.state == StateClosed {
			return ErrClosed
		}
		return fmt.Errorf("%w: init error in state %s", errInvalidStateTransition, s.state)
	}
	return nil
}

// initFailed records the init error ie: init is over, and an Invoke waiting
// for the runtime returns ie.
func (s *Server) initFailed(ie *InitError) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.initErrorAllowed(); err != nil {
		return err
	}
	s.transition(evInitError)
	s.initErr = ie
	close(s.initDone)
	if c := s.call; c != nil {
		s.call = nil
		c.finish(Result{}, ie)
	}
	return nil
}
