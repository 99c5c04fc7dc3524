package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Lambda's external extensions: with --control-fd, init starts every file of
// --extensions (/opt/extensions) before the runtime, each with init's
// environment and its standard streams (or --extension-output-fd's, so the
// daemon can tell their output from the function's), and speaks a line
// protocol with the daemon on the control socket:
//
//	init → daemon   ext NAME PID        an extension started
//	                fail NAME REASON    an extension could not be started
//	                started             every extension was tried
//	                exit NAME CODE      an extension exited (CODE: 128+n for signal n)
//	                runtime-exit CODE   the runtime exited
//	daemon → init   go                  start the runtime (every extension registered)
//	                term                SIGTERM the runtime (the sandbox shuts down)
//
// The runtime's exit does not end init while an extension runs: the daemon
// first sends the extensions SHUTDOWN, then destroys the sandbox. The end of
// the control socket (the daemon is gone) ends init, and with it the pid
// namespace.

// extensionsRun is init's life with extensions; it returns init's exit code.
func extensionsRun(sup *supervisor, ctl *os.File, dir string, outFD int, argv []string) int {
	// Neither the extensions nor the runtime may speak for init.
	syscall.CloseOnExec(int(ctl.Fd()))
	if outFD >= 0 {
		syscall.CloseOnExec(outFD)
	}
	out := func(format string, args ...any) {
		fmt.Fprintf(ctl, format+"\n", args...)
	}
	files := []uintptr{0, 1, 2}
	if outFD >= 0 {
		files = []uintptr{0, uintptr(outFD), uintptr(outFD)}
	}
	exts := make(map[int]string)
	entries, _ := os.ReadDir(dir) // none: no extensions
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		pid, err := syscall.ForkExec(path, []string{path}, &syscall.ProcAttr{Env: os.Environ(), Files: files})
		if err != nil {
			out("fail %s %s", e.Name(), strings.ReplaceAll(err.Error(), "\n", " "))
			continue
		}
		exts[pid] = e.Name()
		out("ext %s %d", e.Name(), pid)
	}
	if outFD >= 0 {
		syscall.Close(outFD) // the extensions have their copies
	}
	out("started")

	cmds := make(chan string)
	go func() {
		sc := bufio.NewScanner(ctl)
		for sc.Scan() {
			cmds <- sc.Text()
		}
		close(cmds)
	}()
	runtime, runtimeCode := 0, -1
	for {
		select {
		case cmd, ok := <-cmds:
			switch {
			case !ok:
				return exitInitFailed // the daemon is gone
			case cmd == "go" && runtime == 0 && runtimeCode < 0:
				pid, err := start(argv)
				if err != nil {
					fmt.Fprintf(os.Stderr, "init: cannot start %s: %v\n", argv[0], err)
					runtimeCode = startExitCode(err)
					out("runtime-exit %d", runtimeCode)
					if len(exts) == 0 {
						return runtimeCode
					}
					continue
				}
				runtime = pid
			case cmd == "term" && runtime != 0:
				syscall.Kill(runtime, syscall.SIGTERM)
			}
		case sig := <-sup.sigs:
			if runtime != 0 {
				syscall.Kill(runtime, sig.(syscall.Signal))
			}
		case <-sup.chld:
			for _, ex := range reapAll() {
				if name, ok := exts[ex.pid]; ok {
					delete(exts, ex.pid)
					out("exit %s %d", name, exitCode(ex.status))
				} else if ex.pid == runtime {
					runtime, runtimeCode = 0, exitCode(ex.status)
					out("runtime-exit %d", runtimeCode)
				}
			}
			if runtimeCode >= 0 && len(exts) == 0 {
				return runtimeCode
			}
		}
	}
}

// exited is a reaped child.
type exited struct {
	pid    int
	status syscall.WaitStatus
}

// reapAll collects every child that has exited.
func reapAll() []exited {
	var all []exited
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return all
		}
		all = append(all, exited{pid, status})
	}
}
