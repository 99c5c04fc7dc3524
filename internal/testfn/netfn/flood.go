package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// floodChildEnv, set in a child netfn's environment, makes it a flooder:
// it opens that many connections to floodAddrEnv's address (the Runtime
// API's if unset), prints how many it could, and holds them until the
// sandbox ends.
const (
	floodChildEnv = "NETFN_FLOOD_CHILD"
	floodAddrEnv  = "NETFN_FLOOD_ADDR"
)

// perChild stays under a sandbox's 1024 open files per process.
const perChild = 900

// flood opens count connections to addr (its own Runtime API if empty), as
// a function that tries to exhaust the daemon's file descriptors would: from
// child processes, since one process may hold only 1024 files. It returns
// how many connections were established (the daemon may close them at
// once); the children keep theirs open.
func flood(count int, addr string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	total := 0
	for left := count; left > 0; left -= perChild {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), floodChildEnv+"="+strconv.Itoa(min(left, perChild)), floodAddrEnv+"="+addr)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return "", err
		}
		if err := cmd.Start(); err != nil {
			return "", fmt.Errorf("start a flooder: %w", err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("flooder: %w", err)
		}
		n, err := strconv.Atoi(line[:len(line)-1])
		if err != nil {
			return "", fmt.Errorf("flooder said %q", line)
		}
		total += n
	}
	return strconv.Itoa(total), nil
}

// floodChild is a flooder's life: it never returns.
func floodChild(count int) {
	addr := os.Getenv(floodAddrEnv)
	if addr == "" {
		addr = os.Getenv("AWS_LAMBDA_RUNTIME_API")
	}
	var held []net.Conn
	for range count {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			break
		}
		held = append(held, c)
	}
	fmt.Println(len(held))
	select {}
}
