package testkit

import (
	"slices"
	"sync"
	"time"
)

// FakeClock is a clock that moves only when Advance moves it: the timers
// and channels made from it fire then, in the goroutine that advances. Its
// methods match scheduler.Clock.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time    // mu
	timers []*fakeTimer // mu; not yet fired nor stopped
}

type fakeTimer struct {
	at   time.Time
	fire func(now time.Time)
}

// NewFakeClock returns a clock at a fixed instant.
func NewFakeClock() *FakeClock { return &FakeClock{now: time.Unix(1_800_000_000, 0)} }

// Now is the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the clock's time once it has moved
// d on.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.add(d, func(now time.Time) { ch <- now })
	return ch
}

// AfterFunc calls f once the clock has moved d on, unless stop is called
// first; stop reports whether it stopped f.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	t := c.add(d, func(time.Time) { f() })
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.timers {
			if x == t {
				c.timers = append(c.timers[:i], c.timers[i+1:]...)
				return true
			}
		}
		return false
	}
}

func (c *FakeClock) add(d time.Duration, fire func(time.Time)) *fakeTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), fire: fire}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock d on and fires every timer due, earliest first.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	var due []*fakeTimer
	keep := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(now) {
			keep = append(keep, t)
		} else {
			due = append(due, t)
		}
	}
	clear(c.timers[len(keep):])
	c.timers = keep
	c.mu.Unlock()
	slices.SortStableFunc(due, func(a, b *fakeTimer) int { return a.at.Compare(b.at) })
	for _, t := range due {
		t.fire(now)
	}
}

// Pending counts the timers and channels waiting for the clock.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
