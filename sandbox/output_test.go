package sandbox

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the copier and the test at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// Once settle returns, everything written to the pipe before it was
// called has reached the writer: a runtime's last line before its answer
// is never behind the invoke's END.
func TestOutputSettle(t *testing.T) {
	var dst lockedBuffer
	o, err := newOutput(&dst)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range 200 {
		line := fmt.Appendf(nil, "%d %s\n", i, bytes.Repeat([]byte("x"), i*100)) // up to 20 KB, within the pipe's buffer
		if _, err := o.w.Write(line); err != nil {
			t.Fatal(err)
		}
		want += len(line)
		o.settle(time.Second)
		if got := dst.Len(); got != want {
			t.Fatalf("after write %d and settle: %d bytes copied, want %d", i, got, want)
		}
	}
	o.w.Close()
	select {
	case <-o.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the copier did not end once the pipe's writer closed")
	}
	o.settle(time.Second) // on a closed pipe: returns at once
	if got := dst.Len(); got != want {
		t.Errorf("%d bytes copied in all, want %d", got, want)
	}
}
