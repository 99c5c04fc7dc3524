package runtimeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/lambdad/lambdad/lambda"
)

// Lambda's Extensions API (2020-01-01), the side the daemon drives. An
// external extension is an executable of /opt/extensions the in-sandbox init
// started before the runtime (ExpectExtensions names them); an internal
// one registers from the runtime's own process while it initialises. Both
// get INVOKE events, only external ones SHUTDOWN.
//
// The lifecycle follows Lambda's: init starts the extensions and waits until
// every one registered (WaitExtensionsRegistered) before it starts the
// runtime; init is over when the runtime and every registered extension
// have asked for their next event (WaitReady). Each invocation is handed to
// the extensions subscribed to INVOKE as it is handed to the runtime; it is
// over for the sandbox when the runtime posted its outcome and each of them
// asked for its next event again (WaitExtensions). Shutdown hands SHUTDOWN
// to the external extensions subscribed to it.

// maxExtensions is how many extensions a function may have, as on Lambda.
const maxExtensions = 10

// Extension event types.
const (
	eventInvoke   = "INVOKE"
	eventShutdown = "SHUTDOWN"
)

// Shutdown reasons, as Lambda sends them in SHUTDOWN events.
const (
	ShutdownSpindown = "spindown"
	ShutdownTimeout  = "timeout"
	ShutdownFailure  = "failure"
)

// FunctionInfo is what register answers an extension with.
type FunctionInfo struct {
	Name, Version, Handler, AccountID string
}

// extension is one registered extension; its fields are guarded by
// Server.mu.
type extension struct {
	id, name string
	external bool
	invoke   bool // subscribed to INVOKE
	shutdown bool // subscribed to SHUTDOWN

	started bool        // has asked for an event once: its init is over
	done    bool        // has asked for its next event since the last one it got
	queued  []byte      // the event its next GET /event/next answers with
	waiter  chan []byte // its parked GET /event/next, if any; buffered (1)
	exitErr string      // the error type of its /exit/error, if it posted one
}

// SetFunction sets what register answers with; call it before Serve's
// listener can be reached by the sandbox (before the sandbox starts).
func (s *Server) SetFunction(f FunctionInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.function = f
}

// PendExtensions says that the in-sandbox init starts external extensions
// and will name them (ExpectExtensions): until then, a registration waits
// to learn whether it is one of them. Call it before the sandbox starts.
func (s *Server) PendExtensions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = true
}

// ExpectExtensions names the external extensions the in-sandbox init
// started: they may register, and WaitExtensionsRegistered waits for them.
func (s *Server) ExpectExtensions(names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected = slices.Clone(names)
	s.pending = false
	s.changedLocked()
}

// WaitExtensionsRegistered waits until every expected external extension
// has registered. It returns an *InitError if an extension posted
// /extension/init/error, ErrClosed once the server is closed, or ctx's
// error.
func (s *Server) WaitExtensionsRegistered(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		for _, name := range s.expected {
			if s.extensionNamed(name) == nil {
				return false
			}
		}
		return true
	})
}

// waitFor waits until cond holds (checked under s.mu at every change), an
// extension's init failed, the server closed or ctx ended.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		switch {
		case s.state == StateClosed:
			s.mu.Unlock()
			return ErrClosed
		case s.extInitErr != nil:
			err := s.extInitErr
			s.mu.Unlock()
			return err
		case cond():
			s.mu.Unlock()
			return nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-s.closed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// changedLocked wakes every waitFor; s.mu must be held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// extensionsStarted tells whether every registered extension has asked for
// its first event; s.mu must be held.
func (s *Server) extensionsStarted() bool {
	for _, e := range s.exts {
		if !e.started {
			return false
		}
	}
	return true
}

// ExtensionInfo is a registered extension, as Lambda's platform.extension
// event describes it.
type ExtensionInfo struct {
	Name   string
	Events []string
}

// Registered lists the registered extensions, in order.
func (s *Server) Registered() []ExtensionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	infos := make([]ExtensionInfo, 0, len(s.exts))
	for _, e := range s.exts {
		info := ExtensionInfo{Name: e.name, Events: []string{}}
		if e.invoke {
			info.Events = append(info.Events, eventInvoke)
		}
		if e.shutdown {
			info.Events = append(info.Events, eventShutdown)
		}
		infos = append(infos, info)
	}
	return infos
}

// HasExtensions tells whether an extension registered.
func (s *Server) HasExtensions() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.exts) > 0
}

// InvokeExtensions tells whether an extension is subscribed to INVOKE: an
// invocation then goes on after the runtime's outcome, until
// WaitExtensions returns.
func (s *Server) InvokeExtensions() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.exts {
		if e.invoke {
			return true
		}
	}
	return false
}

// WaitExtensions waits until every extension subscribed to INVOKE has
// asked for its next event since the last invocation was handed to it.
func (s *Server) WaitExtensions(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		for _, e := range s.exts {
			if e.invoke && !e.done {
				return false
			}
		}
		return true
	})
}

// Shutdown hands a SHUTDOWN event with reason and deadline to every
// external extension subscribed to it, and returns their names: the
// caller waits for their processes to exit, until the deadline.
func (s *Server) Shutdown(reason string, deadline time.Time) []string {
	ev, _ := json.Marshal(struct {
		EventType      string `json:"eventType"`
		DeadlineMs     int64  `json:"deadlineMs"`
		ShutdownReason string `json:"shutdownReason"`
	}{eventShutdown, deadline.UnixMilli(), reason})
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, e := range s.exts {
		if e.external && e.shutdown {
			s.queueLocked(e, ev)
			names = append(names, e.name)
		}
	}
	return names
}

// ExitError is the error type the external extension name posted to
// /extension/exit/error, if any.
func (s *Server) ExitError(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.extensionNamed(name); e != nil {
		return e.exitErr
	}
	return ""
}

// invokeExtensionsLocked hands inv to every extension subscribed to INVOKE;
// s.mu must be held.
func (s *Server) invokeExtensionsLocked(inv *Invocation) {
	var ev []byte
	for _, e := range s.exts {
		if !e.invoke {
			continue
		}
		if ev == nil {
			ev = invokeEvent(inv)
		}
		s.queueLocked(e, ev)
	}
}

// queueLocked hands ev to e's parked GET /event/next, or keeps it for the
// next one; s.mu must be held.
func (s *Server) queueLocked(e *extension, ev []byte) {
	e.done = false
	if e.waiter != nil {
		e.waiter <- ev // buffered: never blocks
		e.waiter = nil
		return
	}
	e.queued = ev
}

// invokeEvent is the INVOKE event of inv, as Lambda sends it.
func invokeEvent(inv *Invocation) []byte {
	type tracing struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	ev := struct {
		EventType          string   `json:"eventType"`
		DeadlineMs         int64    `json:"deadlineMs"`
		RequestID          string   `json:"requestId"`
		InvokedFunctionArn string   `json:"invokedFunctionArn"`
		Tracing            *tracing `json:"tracing,omitempty"`
	}{EventType: eventInvoke, DeadlineMs: inv.Deadline.UnixMilli(), RequestID: inv.RequestID, InvokedFunctionArn: inv.FunctionARN}
	if inv.TraceID != "" {
		ev.Tracing = &tracing{Type: "X-Amzn-Trace-Id", Value: inv.TraceID}
	}
	b, _ := json.Marshal(ev)
	return b
}

// extensionNamed is the registered extension name; s.mu must be held.
func (s *Server) extensionNamed(name string) *extension {
	for _, e := range s.exts {
		if e.name == name {
			return e
		}
	}
	return nil
}

// registerError is a refused registration, answered 403 with its Lambda
// error type.
type registerError struct {
	errorType, message string
}

func (e *registerError) Error() string { return e.errorType + ": " + e.message }

// register records the extension name subscribed to events. While the
// init has not named its external extensions yet (an extension registers
// as soon as it starts), it waits for them, or for ctx.
func (s *Server) register(ctx context.Context, name string, events []string) (*extension, error) {
	if err := s.waitFor(ctx, func() bool { return !s.pending }); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateClosed {
		return nil, ErrClosed
	}
	external := slices.Contains(s.expected, name)
	e := &extension{id: lambda.NewID(), name: name, external: external}
	for _, ev := range events {
		switch {
		case ev == eventInvoke:
			e.invoke = true
		case ev == eventShutdown && external:
			e.shutdown = true
		case ev == eventShutdown:
			return nil, &registerError{errTypeInvalidEventType, ev + ": internal extensions cannot subscribe to SHUTDOWN"}
		default:
			return nil, &registerError{errTypeInvalidEventType, strconv.Quote(ev) + ": unknown event type"}
		}
	}
	switch {
	case s.extensionNamed(name) != nil:
		return nil, &registerError{errTypeInvalidExtensionState, fmt.Sprintf("extension %s is already registered", name)}
	case !external && (s.state != StateInitializing || s.regClosed):
		return nil, &registerError{errTypeRegistrationClosed, "Extension registration closed already"}
	case len(s.exts) >= maxExtensions:
		return nil, &registerError{errTypeTooManyExtensions, fmt.Sprintf("Extension limit (%d) reached", maxExtensions)}
	}
	s.exts = append(s.exts, e)
	if s.extByID == nil {
		s.extByID = make(map[string]*extension)
	}
	s.extByID[e.id] = e
	s.changedLocked()
	return e, nil
}
