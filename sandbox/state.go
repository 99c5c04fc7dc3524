package sandbox

import "fmt"

// State is where a sandbox is in its life.
type State int

const (
	Created    State = iota // container set up, process not started
	Prestarted              // set up and entered, its init held before it runs the command
	Running                 // process started
	Frozen                  // every process stopped by the cgroup freezer
	Exited                  // the init exited (or was killed); the cgroup may still exist
	Destroyed               // nothing of it is left
)

func (s State) String() string {
	switch s {
	case Created:
		return "created"
	case Prestarted:
		return "prestarted"
	case Running:
		return "running"
	case Frozen:
		return "frozen"
	case Exited:
		return "exited"
	case Destroyed:
		return "destroyed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// transitions lists every allowed move; anything else is refused.
var transitions = map[State][]State{
	Created:    {Prestarted, Running, Destroyed},
	Prestarted: {Running, Exited, Destroyed},
	Running:    {Frozen, Exited, Destroyed},
	Frozen:     {Running, Exited, Destroyed},
	Exited:     {Destroyed},
}

func canTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

func transitionError(op string, from State) error {
	return fmt.Errorf("%s: %w: sandbox is %s", op, ErrInvalidTransition, from)
}
