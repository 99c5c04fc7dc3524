package scheduler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/lambda"
)

// extensionsUntil makes every instance play extensions that are done with
// an invocation only once release is closed.
func extensionsUntil(l *fakeLauncher, release <-chan struct{}) {
	l.prepare = func(f *fakeInstance) {
		f.extensions = func(ctx context.Context) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// TestExtensionsOutlastTheResponse: the caller gets the runtime's response
// at once; the instance serves again only when its extensions are done,
// and REPORT's Duration counts their time.
func TestExtensionsOutlastTheResponse(t *testing.T) {
	s, l, c := newTest(t, Config{})
	release := make(chan struct{})
	extensionsUntil(l, release)
	res := invoke(t, s, fn("ext"))
	if res.FunctionError() || string(res.Payload) != `{"ok":true}` {
		t.Fatalf("result %s %s", res.ErrorType, res.Payload)
	}
	if strings.Contains(string(res.Log), "REPORT") {
		t.Errorf("the response's log has REPORT before the extensions were done: %q", res.Log)
	}
	if st := s.stats(); st.Idle != 0 || st.Sandboxes != 1 {
		t.Fatalf("while the extensions work: %+v, want the instance busy", st)
	}
	second := goInvoke(t, s, fn("ext"))
	testkit.Eventually(t, "a second instance for the second invoke", func() bool { return len(l.instances()) == 2 })
	c.Advance(250 * time.Millisecond)
	close(release)
	select {
	case <-second:
	case <-time.After(testkit.EventuallyTimeout):
		t.Fatal("the second invoke did not end")
	}
	inst := l.instances()[0]
	testkit.Eventually(t, "the first instance idle again", func() bool { return s.stats().Idle == 2 })
	if tail := string(inst.log.Tail()); !strings.Contains(tail, "END RequestId: req-ext") || !strings.Contains(tail, "Duration: 250.00 ms") {
		t.Errorf("log %q: want END and a REPORT counting the extensions' 250 ms", tail)
	}
	if inst.destroyed.Load() != 0 || inst.killed.Load() != 0 {
		t.Error("an instance whose extensions finished was destroyed")
	}
}

// TestExtensionsTimeout: extensions that are not done by the function's
// deadline time the invocation out (in REPORT; the caller has its
// response) and the instance is destroyed, not killed first.
func TestExtensionsTimeout(t *testing.T) {
	s, l, c := newTest(t, Config{})
	extensionsUntil(l, make(chan struct{}))
	f := fn("ext")
	res := invoke(t, s, f)
	if res.FunctionError() {
		t.Fatalf("result %s %s", res.ErrorType, res.Payload)
	}
	inst := l.instances()[0]
	// The extensions' deadline timer is set in the background: move the
	// clock until it fires.
	testkit.Eventually(t, "destroy", func() bool {
		c.Advance(f.TimeoutDuration())
		return inst.destroyed.Load() == 1
	})
	if inst.killed.Load() != 0 {
		t.Error("killed before Destroy's shutdown phase")
	}
	if tail := string(inst.log.Tail()); !strings.Contains(tail, "Status: timeout") {
		t.Errorf("log %q lacks Status: timeout", tail)
	}
}

// TestExtensionCrashFailsTheInvocation: an extension that crashed while
// the runtime answered fails the invocation with Extension.Crash, and the
// instance goes.
func TestExtensionCrashFailsTheInvocation(t *testing.T) {
	s, l, _ := newTest(t, Config{})
	l.prepare = func(f *fakeInstance) {
		f.extensions = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		f.invoke = func(ctx context.Context, ev Event) (Outcome, error) {
			f.exitWith(Exit{Code: 3, Extension: "ext1"})
			return Outcome{Kind: Responded, Body: []byte(`"ok"`)}, nil
		}
	}
	res := invoke(t, s, fn("crash"))
	if res.ErrorType != lambda.ErrorTypeExtensionCrash || !strings.Contains(string(res.Payload), "extension ext1 exited: exit status 3") {
		t.Errorf("result %s %s", res.ErrorType, res.Payload)
	}
	inst := l.instances()[0]
	testkit.Eventually(t, "destroy", func() bool { return inst.destroyed.Load() == 1 })
}
