package sandbox

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// output is a pipe the sandbox's init writes a stream to (stdout, or
// stdout and stderr both when they go to one writer), copied to the
// request's writer by the daemon. Each chunk is read from the pipe and
// written to the writer under mu, so that while mu is free every byte is
// either still in the pipe or written: settle can tell that all the
// function wrote so far has reached the writer.
type output struct {
	r    *os.File // the read end, non-blocking, in Go's poller
	w    *os.File // the write end, the init's until it runs; closed then
	dst  io.Writer
	mu   sync.Mutex
	done chan struct{} // closed when every writer has closed the pipe
}

// newOutput makes the pipe of dst and starts copying it.
func newOutput(dst io.Writer) (*output, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o := &output{r: r, w: w, dst: dst, done: make(chan struct{})}
	go o.copy()
	return o, nil
}

// copy copies the pipe to dst until every writer has closed it.
func (o *output) copy() {
	defer close(o.done)
	defer o.r.Close()
	rc, err := o.r.SyscallConn()
	if err != nil {
		io.Copy(o.dst, o.r)
		return
	}
	buf := make([]byte, 32<<10)
	eof := false
	for !eof {
		err := rc.Read(func(fd uintptr) bool {
			o.mu.Lock()
			defer o.mu.Unlock()
			for {
				n, err := unix.Read(int(fd), buf)
				switch {
				case n > 0:
					o.dst.Write(buf[:n])
					continue
				case errors.Is(err, unix.EINTR):
					continue
				case errors.Is(err, unix.EAGAIN):
					return false // nothing more now: wait for the poller
				}
				eof = true // 0 bytes: every writer closed it; or a read error
				return true
			}
		})
		if err != nil {
			return
		}
	}
}

// settle waits, at most max, until the pipe holds nothing the function
// wrote: whatever it wrote before now has then been written to dst.
func (o *output) settle(max time.Duration) {
	rc, err := o.r.SyscallConn()
	if err != nil {
		return
	}
	deadline := time.Now().Add(max)
	for {
		pending := 0
		o.mu.Lock()
		cerr := rc.Control(func(fd uintptr) { pending, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
		o.mu.Unlock()
		if cerr != nil || err != nil || pending == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}
