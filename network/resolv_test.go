package network

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func TestResolvConf(t *testing.T) {
	for _, tc := range []struct {
		name, host, want string
		forwarded        int
	}{
		{"systemd-resolved", "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example.test\n",
			"nameserver 10.213.0.1\noptions edns0 trust-ad\nsearch example.test\n", 1},
		{"reachable", "# comment\nnameserver 198.51.100.53\nnameserver 198.51.100.54\n",
			"nameserver 198.51.100.53\nnameserver 198.51.100.54\n", 0},
		{"mixed", "nameserver 127.0.0.1\nnameserver 2001:db8::53\nnameserver 198.51.100.53\n",
			"nameserver 10.213.0.1\nnameserver 198.51.100.53\n", 2},
		{"none", "", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "resolv.conf")
			os.WriteFile(p, []byte(tc.host), 0o644)
			rc, err := parseResolvConf(p)
			if err != nil {
				t.Fatal(err)
			}
			got := string(rc.sandboxFile(netip.MustParseAddr("10.213.0.1")))
			const head = "# made by lambdad from the host's resolver configuration\n"
			if got != head+tc.want || len(rc.forwarded) != tc.forwarded {
				t.Errorf("got %q (%d forwarded), want %q (%d)", got, len(rc.forwarded), head+tc.want, tc.forwarded)
			}
		})
	}
}
