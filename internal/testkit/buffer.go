package testkit

import (
	"bytes"
	"sync"
)

// Buffer collects a process's, a sandbox's or a daemon's output; it is safe
// for the concurrent writes of stdout and stderr and for reading meanwhile.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // mu
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
