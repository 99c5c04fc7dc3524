package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/lambdad/lambdad/network"
	"github.com/lambdad/lambdad/network/networktest"
)

// netFunctions lays out functions of the network test function (netfn):
// net and net2 (the daemon's network), none and egress (asking for those).
func netFunctions(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "functions")
	bootstrap, err := os.ReadFile(netfn)
	if err != nil {
		t.Fatal(err)
	}
	for name, network := range map[string]string{"net": "", "net2": "", "none": `, "Network": "none"`, "egress": `, "Network": "egress"`} {
		fn := filepath.Join(dir, name)
		if err := os.MkdirAll(fn, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fn, "bootstrap"), bootstrap, 0o755); err != nil {
			t.Fatal(err)
		}
		cfg := `{"Runtime": "provided.al2023", "MemorySize": 256, "Timeout": 20` + network + `}`
		if err := os.WriteFile(filepath.Join(fn, "function.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Dir(dir), 0o755)
	return dir
}

// netReply is what netfn answers.
type netReply struct {
	OK     bool   `json:"ok"`
	Result string `json:"result"`
	Error  string `json:"error"`
}

// try has function fn do event's op and returns its reply.
func try(t *testing.T, d *served, fn, event string) netReply {
	t.Helper()
	out := mustInvoke(t, d, fn, event)
	var r netReply
	if out.FunctionError != nil || json.Unmarshal(out.Payload, &r) != nil {
		t.Fatalf("%s %s: %s %s", fn, event, aws.ToString(out.FunctionError), out.Payload)
	}
	return r
}

// hostServer serves HTTP on the host's loopback, answering with what it
// is; it returns the port.
func hostServer(t *testing.T, name string) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s for %s", name, r.RemoteAddr)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// In egress mode (the default) a function reaches the host's allowed
// ports at host.lambdad.internal, no other, not another sandbox, and
// invokes another function with the AWS SDK through AWS_ENDPOINT_URL_LAMBDA.
func TestServeNetworkEgress(t *testing.T) {
	allowed, other := hostServer(t, "allowed"), hostServer(t, "other")
	d := startDaemon(t, "--functions", netFunctions(t), "--host-ports", fmt.Sprint(allowed))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(d.endpoint, "http://"))

	r := try(t, d, "net", fmt.Sprintf(`{"op":"get","url":"http://%s:%d/"}`, network.HostName, allowed))
	if !r.OK || !strings.HasPrefix(r.Result, "allowed for 10.216.") {
		t.Errorf("an allowed host port: %+v; want the host's service answering the sandbox's address", r)
	}
	r = try(t, d, "net", fmt.Sprintf(`{"op":"get","url":"http://%s:%d/"}`, network.HostName, other))
	if r.OK || !strings.Contains(r.Error, "connection refused") {
		t.Errorf("a host port not allowed: %+v; want connection refused", r)
	}
	r = try(t, d, "net", `{"op":"env","variable":"AWS_ENDPOINT_URL_LAMBDA"}`)
	if want := "http://" + network.HostName + ":" + port; r.Result != want {
		t.Errorf("AWS_ENDPOINT_URL_LAMBDA = %q, want %q", r.Result, want)
	}
	r = try(t, d, "net", `{"op":"invoke","name":"net2","payload":"{\"op\":\"env\",\"variable\":\"AWS_LAMBDA_FUNCTION_NAME\"}"}`)
	if !r.OK || !strings.Contains(r.Result, `"result":"net2"`) {
		t.Errorf("net invoking net2 with aws-sdk-go-v2: %+v", r)
	}
	r = try(t, d, "net", `{"op":"lookup","name":"`+network.HostName+`"}`)
	if gw := strings.TrimSuffix(d.subnet, "0/24") + "1"; !r.OK || r.Result != gw {
		t.Errorf("%s resolves to %+v, want the bridge's %s", network.HostName, r, gw)
	}
	// net2 listens on its address; net cannot reach it, net2 itself can.
	listening := try(t, d, "net2", `{"op":"listen"}`)
	if !listening.OK {
		t.Fatalf("net2 listen: %+v", listening)
	}
	if r := try(t, d, "net2", `{"op":"dial","addr":"`+listening.Result+`"}`); !r.OK || r.Result != "sandbox" {
		t.Fatalf("net2 reaching itself at %s: %+v", listening.Result, r)
	}
	if r := try(t, d, "net", `{"op":"dial","addr":"`+listening.Result+`"}`); r.OK {
		t.Errorf("net reached net2's sandbox at %s: %+v", listening.Result, r)
	}
}

// --aws-endpoint-url (a LocalStack on the host, say) is every sandbox's
// AWS_ENDPOINT_URL, and at host.lambdad.internal its port is allowed
// without --host-ports.
func TestServeNetworkAWSEndpointURL(t *testing.T) {
	port := hostServer(t, "localstack")
	url := fmt.Sprintf("http://%s:%d", network.HostName, port)
	d := startDaemon(t, "--functions", netFunctions(t), "--aws-endpoint-url", url)
	if r := try(t, d, "net", `{"op":"env","variable":"AWS_ENDPOINT_URL"}`); r.Result != url {
		t.Errorf("AWS_ENDPOINT_URL = %q, want %q", r.Result, url)
	}
	if r := try(t, d, "net", `{"op":"get","url":"`+url+`/"}`); !r.OK || !strings.HasPrefix(r.Result, "localstack for ") {
		t.Errorf("the endpoint's port: %+v; want the host's service answering", r)
	}
}

// Egress goes through NAT: a world the test makes (a namespace with an
// address of 203.0.113.0/29, apart from package network's tests' world)
// sees the host's address, not the sandbox's.
func TestServeNetworkEgressIsMasqueraded(t *testing.T) {
	d := startDaemon(t, "--functions", netFunctions(t))
	_, server := networktest.Peer(t, d.bridge+"w", "203.0.113.1/29", "203.0.113.2/29")
	r := try(t, d, "net", `{"op":"get","url":"http://`+server+`/"}`)
	if !r.OK || !strings.HasPrefix(r.Result, "world saw 203.0.113.1:") {
		t.Errorf("the world saw %+v; want the host's 203.0.113.1", r)
	}
}

// With --network none, functions have loopback only, and one that asks for
// egress is refused, saying why.
func TestServeNetworkNone(t *testing.T) {
	port := hostServer(t, "host")
	d := startDaemon(t, "--functions", netFunctions(t), "--network", "none", "--host-ports", fmt.Sprint(port))
	r := try(t, d, "net", fmt.Sprintf(`{"op":"dial","addr":"%s:%d"}`, "198.51.100.2", port))
	if r.OK || !strings.Contains(r.Error, "unreachable") {
		t.Errorf("a function without a network: %+v; want network unreachable", r)
	}
	_, err := d.invoke("egress", `{"op":"env","variable":"X"}`)
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "--network none") {
		t.Errorf("a function asking for egress: %v; want InvalidParameterValueException naming --network none", err)
	}
}

// With --network host, localhost is the host's; a function may still ask
// for none; Lambda-to-Lambda invokes work at the host's loopback.
func TestServeNetworkHost(t *testing.T) {
	port := hostServer(t, "host")
	d := startDaemon(t, "--functions", netFunctions(t), "--network", "host")
	for _, host := range []string{"127.0.0.1", network.HostName} {
		r := try(t, d, "net", fmt.Sprintf(`{"op":"get","url":"http://%s:%d/"}`, host, port))
		if !r.OK || !strings.HasPrefix(r.Result, "host for 127.0.0.1:") {
			t.Errorf("the host's service at %s: %+v", host, r)
		}
	}
	r := try(t, d, "net", `{"op":"invoke","name":"net2","payload":"{\"op\":\"env\",\"variable\":\"AWS_LAMBDA_FUNCTION_NAME\"}"}`)
	if !r.OK || !strings.Contains(r.Result, `"result":"net2"`) {
		t.Errorf("net invoking net2 in host mode: %+v", r)
	}
	r = try(t, d, "none", fmt.Sprintf(`{"op":"get","url":"http://127.0.0.1:%d/"}`, port))
	if r.OK {
		t.Errorf("a function asking for none reached the host: %+v", r)
	}
}

// A host whose resolver is on its loopback (systemd-resolved, dnsmasq):
// sandboxes resolve through lambdad's forwarder on the bridge.
func TestServeNetworkDNSForwarder(t *testing.T) {
	resolver := dnsServer(t, "example.test.", netip.MustParseAddr("198.51.100.99"))
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(conf, []byte("nameserver "+resolver.String()+"\noptions attempts:1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "--functions", netFunctions(t), "--resolv-conf", conf)
	r := try(t, d, "net", `{"op":"lookup","name":"example.test"}`)
	if !r.OK || r.Result != "198.51.100.99" {
		t.Errorf("example.test resolved to %+v, want 198.51.100.99", r)
	}
}

// dnsServer answers A queries for name with addr, on UDP port 53 of a
// loopback address of its own (127.0.0.x), and returns that address.
func dnsServer(t *testing.T, name string, addr netip.Addr) netip.Addr {
	t.Helper()
	var conn *net.UDPConn
	var at netip.Addr
	for x := 100 + os.Getpid()%100; conn == nil; x++ {
		at = netip.AddrFrom4([4]byte{127, 0, 0, byte(x)})
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(at, 53)))
		if err == nil {
			conn = c
		} else if x > 250 {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess})
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			if q.Type == dnsmessage.TypeA && strings.EqualFold(q.Name.String(), name) {
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: addr.As4()})
			}
			msg, err := b.Finish()
			if err == nil {
				conn.WriteToUDPAddrPort(msg, from)
			}
		}
	}()
	return at
}

// The README's example: examples/functions/chain calls a service on the
// host and the hello function, with Python's standard library.
func TestServeExampleChain(t *testing.T) {
	requirePython(t)
	port := hostServer(t, "service")
	examples := filepath.Dir(filepath.Dir(helloPy))
	d := startDaemon(t, "--functions", examples, "--host-ports", fmt.Sprint(port))
	out := mustInvoke(t, d, "chain", fmt.Sprintf(`{"url":"http://%s:%d/"}`, network.HostName, port))
	var r struct {
		Service string
		Hello   struct{ Message string }
	}
	if out.FunctionError != nil || json.Unmarshal(out.Payload, &r) != nil ||
		!strings.HasPrefix(r.Service, "service for ") || r.Hello.Message != "Hello, chain!" {
		t.Errorf("chain: %s %s", aws.ToString(out.FunctionError), out.Payload)
	}
}
