package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRelayListensBeforeCommand has the command connect to the relay once,
// without retrying: it must find it listening.
func TestRelayListensBeforeCommand(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "rt.sock")
	startUnixServer(t, sock, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("hello from the runtime api"))
	}))
	addr := freeAddr(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		code, stdout, stderr := runInit(t, testEnv("INIT_TEST_HELPER=connect", "INIT_TEST_ADDR="+addr),
			"--listen", addr, "--socket", sock, "--", self)
		if code != 0 || stdout != "hello from the runtime api" {
			t.Fatalf("run %d: exit code %d, stdout %q, stderr %q", i, code, stdout, stderr)
		}
	}
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRelayListenFailure checks that init fails loudly, before starting
// the command, if the relay cannot listen.
func TestRelayListenFailure(t *testing.T) {
	code, _, stderr := runInit(t, testEnv(), "--listen", "256.0.0.1:1", "--", "true")
	if code != exitInitFailed || !strings.HasPrefix(stderr, "init: relay: ") {
		t.Errorf("exit code %d, stderr %q; want %d and init: relay: …", code, stderr, exitInitFailed)
	}
}
