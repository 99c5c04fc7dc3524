package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroupParent is where the benchmark daemon's sandboxes get their cgroups.
const cgroupParent = "/lambdad-bench"

// daemonConfig is how the benchmark starts `lambdad serve`.
type daemonConfig struct {
	binary       string // bin/lambdad
	functions    string
	workDir      string // state-dir, run-dir and the log go here
	maxSandboxes int
	memoryMB     int
	extra        []string // more flags
}

// benchMaxPids is a pids budget that holds maxSandboxes sandboxes (1024
// pids each) and spares (64 at most, 32 each), up to the kernel's largest
// pids.max: the benchmark's functions fork nothing, so it may overcommit
// the host's pids where a daemon's default would not.
func benchMaxPids(maxSandboxes int) int {
	return min(maxSandboxes*1024+64*32, 4<<20)
}

// daemon is a running `lambdad serve`.
type daemon struct {
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:PORT
	log  string // its stdout and stderr
	done chan struct{}
}

func startDaemon(ctx context.Context, cfg daemonConfig) (*daemon, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(cfg.workDir, "daemon.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(cfg.binary, "serve",
		"--listen", addr,
		"--functions", cfg.functions,
		"--state-dir", filepath.Join(cfg.workDir, "state"),
		"--run-dir", filepath.Join(cfg.workDir, "run"),
		"--cgroup-parent", cgroupParent,
		"--idle-timeout", "1h",
		"--max-sandboxes", strconv.Itoa(cfg.maxSandboxes),
		"--memory-budget", strconv.Itoa(cfg.memoryMB),
		"--max-pids", strconv.Itoa(benchMaxPids(cfg.maxSandboxes)),
		"--shutdown-timeout", "30s",
		"--url-listen", "off",
	)
	cmd.Args = append(cmd.Args, cfg.extra...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C reaches the driver, which then stops
	// the daemon with SIGTERM and checks what is left.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.binary, err)
	}
	d := &daemon{cmd: cmd, url: "http://" + addr, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); close(d.done) }()
	if err := d.waitListening(ctx, 30*time.Second); err != nil {
		d.stop(10 * time.Second)
		return nil, err
	}
	return d, nil
}

// freeAddr picks a free loopback port.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitListening polls until the daemon answers HTTP.
func (d *daemon) waitListening(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.url+"/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("lambdad serve exited at start (%v); see its log:\n%s", d.cmd.ProcessState, tail(d.log, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lambdad serve did not listen within %s", limit)
		}
	}
}

// stop sends SIGTERM and waits; after limit it sends SIGKILL.
func (d *daemon) stop(limit time.Duration) error {
	select {
	case <-d.done:
		return nil
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return nil
	case <-time.After(limit):
		d.cmd.Process.Kill()
		<-d.done
		return fmt.Errorf("lambdad serve did not stop within %s of SIGTERM: killed", limit)
	}
}

// rss is the daemon's resident memory, in bytes.
func (d *daemon) rss() (int64, error) {
	return statusKB(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid), "VmRSS:")
}

// statusKB reads a "Key:   123 kB" line of a /proc file, in bytes.
func statusKB(path, key string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %s: %w", path, key, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New(path + ": no " + key)
}

// tail is the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
