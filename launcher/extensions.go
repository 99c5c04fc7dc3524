package launcher

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lambdad/lambdad/lambda"
	"github.com/lambdad/lambdad/runtimeapi"
	"github.com/lambdad/lambdad/scheduler"
)

// hasExtensions tells whether a sandbox of this request has external
// extensions: files in /opt/extensions, which is its layers' tree when it
// has layers, else its root's (an image's, or a base image's).
func hasExtensions(optDir, rootDir string) bool {
	dir := filepath.Join(rootDir, lambda.ExtensionsDir)
	if optDir != "" {
		dir = filepath.Join(optDir, filepath.Base(lambda.ExtensionsDir))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() {
			return true
		}
	}
	return false
}

// control is the daemon's side of an init that runs external extensions
// (runtime/init's extensions.go): what the init said on the control socket.
type control struct {
	f *os.File

	mu          sync.Mutex
	started     bool            // mu; every extension was tried
	names       []string        // mu; the extensions started, in order
	failed      []string        // mu; "NAME: REASON" of those that could not start
	alive       map[string]bool // mu; the extensions running
	shutdown    bool            // mu; their exits from now on are expected
	crashed     string          // mu; the first extension that exited before shutdown
	crashExit   scheduler.Exit  // mu; how it exited
	runtimeExit *scheduler.Exit // mu; how the runtime exited, once it did
	changed     chan struct{}   // mu; closed and replaced at every line
	gone        chan struct{}   // closed when the socket ends
	ended       chan struct{}   // closed when the runtime or an extension ended the instance
	endOnce     sync.Once
}

func newControl(f *os.File) *control {
	c := &control{f: f, alive: make(map[string]bool), changed: make(chan struct{}),
		gone: make(chan struct{}), ended: make(chan struct{})}
	go c.read()
	return c
}

// read follows the init's lines until the socket ends.
func (c *control) read() {
	defer close(c.gone)
	sc := bufio.NewScanner(c.f)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		c.mu.Lock()
		switch {
		case f[0] == "ext" && len(f) == 3:
			c.names = append(c.names, f[1])
			c.alive[f[1]] = true
		case f[0] == "fail" && len(f) == 3:
			c.failed = append(c.failed, f[1]+": "+f[2])
		case f[0] == "started":
			c.started = true
		case f[0] == "exit" && len(f) == 3:
			delete(c.alive, f[1])
			if !c.shutdown && c.crashed == "" {
				c.crashed, c.crashExit = f[1], exitOf(f[2])
				c.end()
			}
		case f[0] == "runtime-exit" && len(f) == 2:
			exit := exitOf(f[1])
			c.runtimeExit = &exit
			c.end()
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}
}

func (c *control) end() { c.endOnce.Do(func() { close(c.ended) }) }

// exitOf reads an exit code as the init reports it: 128+n for signal n.
func exitOf(code string) scheduler.Exit {
	n, _ := strconv.Atoi(code)
	if n > 128 {
		return scheduler.Exit{Signal: syscall.Signal(n - 128)}
	}
	return scheduler.Exit{Code: n}
}

// waitFor waits until cond holds (checked under c.mu at every line), the
// socket ends or ctx ends.
func (c *control) waitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		ok, changed := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-c.gone:
			c.mu.Lock()
			ok := cond()
			c.mu.Unlock()
			if ok {
				return nil
			}
			return errInitGone
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var errInitGone = fmt.Errorf("the sandbox's init exited")

// send writes a command to the init.
func (c *control) send(cmd string) error {
	_, err := c.f.Write([]byte(cmd + "\n"))
	return err
}

// initExtensions runs the extensions' part of init: it waits until the
// init tried every extension and each one registered, then lets the
// runtime start. An extension that could not start or exited meanwhile
// fails the init, as on Lambda.
func (i *instance) initExtensions(ctx context.Context) error {
	c := i.ctl
	if err := c.waitFor(ctx, func() bool { return c.started }); err != nil {
		return err
	}
	c.mu.Lock()
	names, failed := c.names, c.failed
	c.mu.Unlock()
	if len(failed) > 0 {
		return extensionInitError(lambda.ErrorTypeExtensionLaunch, "Extension could not be started: "+strings.Join(failed, "; "))
	}
	i.api.ExpectExtensions(names)
	regCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.ended:
			cancel()
		case <-regCtx.Done():
		}
	}()
	if err := i.api.WaitExtensionsRegistered(regCtx); err != nil {
		if ended := i.endedError(); ended != nil {
			return ended
		}
		return err
	}
	return c.send("go")
}

// endedError is the init error of an instance whose extension crashed or
// whose runtime exited during init, or nil.
func (i *instance) endedError() error {
	c := i.ctl
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed != "" {
		return extensionInitError(lambda.ErrorTypeExtensionCrash, "Extension "+c.crashed+" exited: "+c.crashExit.String())
	}
	return nil
}

func extensionInitError(errorType, message string) error {
	body := fmt.Appendf(nil, `{"errorType":%q,"errorMessage":%q}`, errorType, message)
	return &runtimeapi.InitError{ErrorType: errorType, Body: body}
}

// shutdownExtensions is Lambda's shutdown phase: the runtime gets SIGTERM,
// then every external extension subscribed to it a SHUTDOWN event, all
// within lambda.ShutdownTimeout; what is left is then killed (Destroy).
func (i *instance) shutdownExtensions() {
	c := i.ctl
	select {
	case <-i.sb.Done():
		return // nothing left to shut down
	default:
	}
	i.sb.Thaw() // an idle frozen sandbox; an error means it was not
	deadline := time.Now().Add(lambda.ShutdownTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	c.mu.Lock()
	c.shutdown = true
	reason := runtimeapi.ShutdownSpindown
	switch {
	case c.crashed != "" || c.runtimeExit != nil:
		reason = runtimeapi.ShutdownFailure
	case i.timedOut.Load():
		reason = runtimeapi.ShutdownTimeout
	}
	runtimeRunning := c.runtimeExit == nil
	c.mu.Unlock()
	if runtimeRunning && c.send("term") == nil {
		c.waitFor(ctx, func() bool { return c.runtimeExit != nil })
	}
	// What the sandbox's life said reaches the extensions before SHUTDOWN.
	flushCtx, cancelFlush := context.WithTimeout(ctx, lambda.ShutdownTimeout/4)
	i.obs.hub.Flush(flushCtx)
	cancelFlush()
	names := i.api.Shutdown(reason, deadline)
	c.waitFor(ctx, func() bool {
		for _, n := range names {
			if c.alive[n] {
				return false
			}
		}
		return true
	})
}
