package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// echoEnv, set in the environment, makes the driver's binary the echo
// server's process instead (runEchoProcess).
const echoEnv = "LAMBDAD_BENCH_ECHO_SERVER"

// echoServer is the warm rows' baseline: a plain net/http server on
// loopback that answers with the request body. The baseline runs it in a
// process of its own, as lambdad is one: a server in the driver's own
// process shares the client's Go scheduler, and a request reaches it without
// waking another process.
type echoServer struct {
	url   string
	close func()
}

func echoHandler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// startEchoInProcess serves the echo in the driver's process.
func startEchoInProcess(context.Context) (*echoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(echoHandler)}
	go srv.Serve(ln)
	return &echoServer{url: "http://" + ln.Addr().String() + "/", close: func() { srv.Close() }}, nil
}

// startEchoProcess runs the echo server as a process of its own: the
// driver's binary again, with echoEnv set.
func startEchoProcess(ctx context.Context) (*echoServer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), echoEnv+"=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return nil, fmt.Errorf("echo server process: no address: %w", err)
	}
	return &echoServer{url: "http://" + strings.TrimSpace(addr) + "/", close: stop}, nil
}

// runEchoProcess is the echo server process: it prints its address and
// serves until killed.
func runEchoProcess() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: echo server:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	err = http.Serve(ln, http.HandlerFunc(echoHandler))
	fmt.Fprintln(os.Stderr, "bench: echo server:", err)
	os.Exit(1)
}
