package runtimeapi

// State is where a server is in the lifecycle of its sandbox's runtime.
type State int

const (
	// StateInitializing: the runtime has not yet asked for an invocation.
	StateInitializing State = iota
	// StateReady: init is done and no invocation is in flight; the runtime
	// is waiting in GET /next, or on its way there.
	StateReady
	// StateInvoking: an invocation was handed to the runtime and it has not
	// posted the outcome yet.
	StateInvoking
	// StateInitFailed: the runtime posted /init/error. Terminal but for
	// Close.
	StateInitFailed
	// StateClosed: the server is closed. Terminal.
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateInitializing:
		return "initializing"
	case StateReady:
		return "ready"
	case StateInvoking:
		return "invoking"
	case StateInitFailed:
		return "init-failed"
	case StateClosed:
		return "closed"
	}
	return "unknown"
}

// event is what moves a server from one state to another.
type event int

const (
	evNext      event = iota // the runtime asked for the next invocation
	evDeliver                // an invocation was handed to the runtime
	evOutcome                // the runtime posted the invocation's response or error
	evAbandon                // the scheduler gave up the invocation, or its GET /next went away
	evInitError              // the runtime posted /init/error
	evClose                  // the server was closed
)

// transitions lists every move a server makes; any other is refused.
var transitions = map[State]map[event]State{
	StateInitializing: {
		evNext:      StateReady, // init done
		evInitError: StateInitFailed,
		evClose:     StateClosed,
	},
	StateReady: {
		evNext:    StateReady,
		evDeliver: StateInvoking,
		evClose:   StateClosed,
	},
	StateInvoking: {
		evNext:    StateInvoking, // a runtime may ask again without posting; the invocation stays in flight
		evOutcome: StateReady,
		evAbandon: StateReady,
		evClose:   StateClosed,
	},
	StateInitFailed: {
		evClose: StateClosed,
	},
	StateClosed: {},
}

// next returns the state that e leads to from s, and false if the
// transition is not allowed.
func (s State) next(e event) (State, bool) {
	to, ok := transitions[s][e]
	return to, ok
}
