// Package testkit is what lambdad's tests share and nothing else uses:
// polling for a condition with a deadline (Eventually), a buffer safe for
// concurrent writers (Buffer), and a clock that moves only when told
// (FakeClock). Tests that start sandboxes also use sandbox/sandboxtest.
//
// It imports only the standard library, so that every package's tests may
// use it, the in-sandbox code's included.
package testkit
