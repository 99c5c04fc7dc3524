package runtimeapi

import "testing"

func TestStateTransitions(t *testing.T) {
	type tr struct {
		from State
		e    event
	}
	allowed := map[tr]State{
		{StateInitializing, evNext}:      StateReady,
		{StateInitializing, evInitError}: StateInitFailed,
		{StateInitializing, evClose}:     StateClosed,
		{StateReady, evNext}:             StateReady,
		{StateReady, evDeliver}:          StateInvoking,
		{StateReady, evClose}:            StateClosed,
		{StateInvoking, evNext}:          StateInvoking,
		{StateInvoking, evOutcome}:       StateReady,
		{StateInvoking, evAbandon}:       StateReady,
		{StateInvoking, evClose}:         StateClosed,
		{StateInitFailed, evClose}:       StateClosed,
	}
	for from := StateInitializing; from <= StateClosed; from++ {
		for e := evNext; e <= evClose; e++ {
			to, ok := from.next(e)
			want, wantOK := allowed[tr{from, e}]
			if ok != wantOK || to != want {
				t.Errorf("%s on event %d: got %s %v, want %s %v", from, e, to, ok, want, wantOK)
			}
		}
	}
}

func TestStateString(t *testing.T) {
	want := []string{"initializing", "ready", "invoking", "init-failed", "closed"}
	for i, w := range want {
		if got := State(i).String(); got != w {
			t.Errorf("State(%d) = %q, want %q", i, got, w)
		}
	}
	if got := State(99).String(); got != "unknown" {
		t.Errorf("State(99) = %q", got)
	}
	for o, w := range map[Outcome]string{Response: "Response", FunctionError: "FunctionError", ResponseTooLarge: "ResponseTooLarge", 7: "Outcome(7)"} {
		if got := o.String(); got != w {
			t.Errorf("Outcome %d = %q, want %q", int(o), got, w)
		}
	}
}
