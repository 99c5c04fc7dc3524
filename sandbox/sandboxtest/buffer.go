package sandboxtest

import (
	"bytes"
	"sync"
)

// Buffer collects a sandbox's or a daemon's output; it is safe for the
// concurrent writes of stdout and stderr.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
