package runtimeapi

import (
	"fmt"
	"net/http"
)

// handleNext serves GET /runtime/invocation/next: it waits, without limit,
// until an invocation is handed over, and answers 200 with the payload
// unchanged and the Lambda-Runtime-* headers.
func (s *Server) handleNext(w http.ResponseWriter, r *http.Request, _ string) {
	ch, err := s.park()
	if err != nil {
		writeError(w, err)
		return
	}
	var c *call
	select {
	case c = <-ch:
	case <-r.Context().Done(): // the runtime went away
		s.unpark(ch)
		return
	case <-s.closed: // Close closes the connection too; should it lose the race, a 503, not an empty 200
		writeError(w, ErrClosed)
		return
	}
	if c == nil {
		writeError(w, fmt.Errorf("%w: a newer GET /next replaced this one", errInvalidStateTransition))
		return
	}
	h := w.Header()
	for k, v := range c.header {
		h[k] = v
	}
	w.WriteHeader(http.StatusOK)
	w.Write(c.inv.Payload)
}

// park records that the runtime waits in GET /next, and returns the channel
// its invocation will come on: at once if one is queued. The first call
// ends init. A second GET /next replaces the first, which gets nil: a
// runtime asks again when its connection broke, before the server noticed.
func (s *Server) park() (chan *call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := s.state
	if !s.transition(evNext) {
		if from == StateClosed {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w: GET /next in state %s", errInvalidStateTransition, from)
	}
	if from == StateInitializing {
		s.regClosed = true // the runtime's init is over: so is registration
		s.changedLocked()
		close(s.initDone)
	}
	if s.waiter != nil {
		s.waiter <- nil
	}
	ch := make(chan *call, 1)
	s.waiter = ch
	s.deliver()
	return ch, nil
}

// unpark withdraws the GET /next waiting on ch, whose runtime went away. An
// invocation handed to it meanwhile goes back to the queue, for the
// runtime's next GET /next.
func (s *Server) unpark(ch chan *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiter == ch {
		s.waiter = nil
		return
	}
	select {
	case c := <-ch:
		if c != nil && s.call == c && c.delivered && !c.posting && s.transition(evAbandon) {
			c.delivered = false
			s.deliver()
		}
	default:
	}
}
