package runtimeapi

import (
	"context"
	"fmt"
	"net/http"
)

// call is one Invoke: its invocation on the way to the runtime, then in
// flight, until its outcome is posted or the scheduler gives it up. Its
// fields are guarded by Server.mu.
type call struct {
	inv       Invocation
	header    http.Header // of GET /next, built once
	delivered bool        // handed to a GET /next: the runtime knows its id
	posting   bool        // a /response or /error for it is being read: a second one gets 403

	stream *streamWriter // inv.Stream, set once, closed when Invoke returns; nil without one

	done chan struct{} // closed by finish
	res  Result
	err  error
}

// finish ends c with res or err; s.mu must be held, and c already detached
// from the server.
func (c *call) finish(res Result, err error) {
	c.res, c.err = res, err
	close(c.done)
}

// WaitReady waits until the runtime has finished init, that is made its first
// GET /next, and every registered extension has asked for its first event.
// It returns an *InitError if the runtime posted /init/error (or an
// extension /extension/init/error) instead, ErrClosed if the server was
// closed, and ctx.Err() if ctx ends first.
func (s *Server) WaitReady(ctx context.Context) error {
	select {
	case <-s.initDone:
	case <-s.closed:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	switch {
	case s.state == StateClosed:
		s.mu.Unlock()
		return ErrClosed
	case s.initErr != nil:
		s.mu.Unlock()
		return s.initErr
	}
	s.mu.Unlock()
	// Init is over when every extension, too, has asked for its first event.
	return s.waitFor(ctx, s.extensionsStarted)
}

// Invoke hands inv to the runtime's pending GET /next, or to its next one
// (during init too), and waits for the runtime to post the outcome. One
// invocation at a time: while one is in progress, Invoke returns ErrBusy.
//
// If init fails meanwhile, Invoke returns the *InitError; once the server is
// closed, ErrClosed; for an invocation without a valid RequestID or a
// Deadline, an error wrapping ErrInvalidInvocation. If ctx ends before the
// outcome is posted, Invoke returns ctx.Err() and the invocation is
// abandoned: posts for its id get 400 InvalidRequestID, and the runtime is
// left running it (the scheduler resets such a sandbox).
//
// Invoke returns as soon as the outcome is posted; the runtime then makes
// its way back to GET /next, where the next invocation waits for it if it
// comes first.
func (s *Server) Invoke(ctx context.Context, inv Invocation) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	h, err := inv.header()
	if err != nil {
		return Result{}, fmt.Errorf("invoke: %w", err)
	}
	c := &call{inv: inv, header: h, done: make(chan struct{})}
	if inv.Stream != nil {
		c.stream = newStreamWriter(inv.Stream)
		defer c.stream.close() // after s.mu is let go: it waits for a write under way
	}

	s.mu.Lock()
	switch {
	case s.state == StateClosed:
		s.mu.Unlock()
		return Result{}, ErrClosed
	case s.initErr != nil:
		err := s.initErr
		s.mu.Unlock()
		return Result{}, err
	case s.extInitErr != nil:
		err := s.extInitErr
		s.mu.Unlock()
		return Result{}, err
	case s.call != nil:
		s.mu.Unlock()
		return Result{}, ErrBusy
	}
	s.call = c
	s.invokeExtensionsLocked(&c.inv)
	s.deliver()
	s.mu.Unlock()

	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.call != c { // finished as ctx ended: the outcome is there, keep it
		<-c.done
		return c.res, c.err
	}
	s.call = nil
	if !c.delivered {
		return Result{}, fmt.Errorf("%w: %w", ErrNotDelivered, ctx.Err())
	}
	s.transition(evAbandon)
	return Result{}, ctx.Err()
}

// deliver hands the current call to the parked GET /next, if there is one
// and the state allows it; s.mu must be held. Otherwise the call stays
// queued for the runtime's next GET /next.
func (s *Server) deliver() {
	c := s.call
	if c == nil || c.delivered || s.waiter == nil || !s.transition(evDeliver) {
		return
	}
	c.delivered = true
	s.finished = "" // a new invocation replaces the finished one: its id is now unknown
	s.waiter <- c   // buffered: never blocks
	s.waiter = nil
}
