package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/internal/testkit"
	"github.com/lambdad/lambdad/network"
	"github.com/lambdad/lambdad/network/networktest"
	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// served is a `lambdad serve` started by a test.
type served struct {
	t        *testing.T
	cmd      *exec.Cmd
	endpoint string
	dir      string // holds its state and run directories
	runDir   string
	parent   string // its cgroup parent
	bridge   string // its network's bridge
	subnet   string // and subnet
	output   *testkit.Buffer
	client   *lambda.Client
}

// testNetworks counts the daemons' networks, each with a bridge and a
// subnet (10.216.k.0/24) of its own.
var testNetworks atomic.Int32

// functionsDir lays out the test functions once per test binary.
var (
	functionsOnce sync.Once
	functionsPath string
	functionsErr  error
)

func testFunctions(t *testing.T) string {
	t.Helper()
	functionsOnce.Do(func() {
		dir := filepath.Join(tempRoot, "functions")
		hello, err := os.ReadFile(helloPy)
		if err != nil {
			functionsErr = err
			return
		}
		gofn, err := os.ReadFile(gofn)
		if err != nil {
			functionsErr = err
			return
		}
		// hog's long timeout is for the emulated CPU of the cgroup v2 lane,
		// whose 7% took over 30 s to fill 128 MB a byte at a time.
		files := map[string]string{
			"gofn/bootstrap":            string(gofn),
			"gofn/function.json":        `{"Runtime":"provided.al2023","Handler":"bootstrap","MemorySize":1024,"Timeout":2}`,
			"big/bootstrap":             string(gofn),
			"big/function.json":         `{"Runtime":"provided.al2023","Handler":"bootstrap","MemorySize":1024,"Timeout":60}`,
			"hog/bootstrap":             string(gofn),
			"hog/function.json":         `{"Runtime":"provided.al2023","Handler":"bootstrap","MemorySize":128,"Timeout":300}`,
			"reserved/bootstrap":        string(gofn),
			"reserved/function.json":    `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3,"ReservedConcurrentExecutions":1}`,
			"hello/handler.py":          string(hello),
			"pyerr/handler.py":          "def handler(event, context):\n    raise ValueError('bad input')\n",
			"pyimport/handler.py":       "import no_such_module\n",
			"broken/function.json":      `{"Runtime":"provided.al2023","MemorySize":64}`,
			"nobootstrap/function.json": `{"Runtime":"provided.al2023","Handler":"bootstrap"}`,
			"nobootstrap/README":        "no bootstrap here",
		}
		for name, content := range files {
			path := filepath.Join(dir, name)
			if functionsErr = os.MkdirAll(filepath.Dir(path), 0o755); functionsErr != nil {
				return
			}
			mode := os.FileMode(0o644)
			if strings.HasSuffix(name, "bootstrap") {
				mode = 0o755
			}
			if functionsErr = os.WriteFile(path, []byte(content), mode); functionsErr != nil {
				return
			}
		}
		functionsPath = dir
	})
	if functionsErr != nil {
		t.Fatal(functionsErr)
	}
	return functionsPath
}

// startDaemon runs lambdad serve on the test functions, and registers a
// cleanup that stops it with SIGTERM and proves nothing of it is left.
func startDaemon(t *testing.T, args ...string) *served {
	t.Helper()
	return startDaemonIn(t, sandboxtest.TempDir(t), args...)
}

// startDaemonIn is startDaemon with its state and run directories in dir:
// another daemon's, to restart on what it left.
func startDaemonIn(t *testing.T, dir string, args ...string) *served {
	t.Helper()
	sandboxtest.RequireRoot(t)
	functions := testFunctions(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if i := slices.Index(args, "--listen"); i >= 0 && i+1 < len(args) { // the later --listen wins: its first address
		addr = strings.Split(args[i+1], ",")[0]
	}
	d := &served{t: t, endpoint: "http://" + addr, dir: dir, runDir: filepath.Join(dir, "run"), output: &testkit.Buffer{},
		parent: fmt.Sprintf("%s-%s", testCgroupParent, strings.ReplaceAll(t.Name(), "/", "-"))}
	full := append([]string{"serve", "--listen", addr, "--functions", functions,
		"--state-dir", filepath.Join(dir, "state"), "--run-dir", d.runDir, "--cgroup-parent", d.parent,
		"--async-retry-delay", "50ms", "--memory-budget", "65536"}, args...)
	if !slices.Contains(args, "--runtime-image") { // no test pulls AWS's base images
		full = append(full, "--runtime-image", "*=host")
	}
	if !slices.Contains(args, "--url-listen") { // never the default port another daemon may hold
		full = append(full, "--url-listen", "127.0.0.1:0")
	}
	if !slices.Contains(args, "--spares") {
		full = append(full, "--spares", "0") // spares would upset the sandbox counts
	}
	if !slices.Contains(args, "--bridge") { // each daemon a network of its own
		k := testNetworks.Add(1)
		d.bridge, d.subnet = fmt.Sprintf("ldc%05d%02d", os.Getpid()%100000, k%100), fmt.Sprintf("10.216.%d.0/24", k%256)
		full = append(full, "--bridge", d.bridge, "--subnet", d.subnet)
	}
	d.cmd = exec.Command(lambdad, full...)
	d.cmd.Stdout, d.cmd.Stderr = d.output, d.output
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lambdad serve did not listen:\n%s", d.output)
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.client = lambda.New(lambda.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(d.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		// One attempt: the SDK would retry a 429 or 500 until it succeeds,
		// hiding what lambdad answered.
		RetryMaxAttempts: 1,
	})
	return d
}

// stop sends SIGTERM and checks the daemon exits cleanly leaving nothing.
func (d *served) stop() {
	t := d.t
	if d.cmd.ProcessState == nil {
		d.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- d.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("lambdad serve exited with %v:\n%s", err, d.output)
			}
		case <-time.After(60 * time.Second):
			d.cmd.Process.Kill()
			t.Errorf("lambdad serve did not stop on SIGTERM:\n%s", d.output)
		}
	}
	for _, sub := range []string{"containers"} {
		entries, _ := os.ReadDir(filepath.Join(d.runDir, sub))
		for _, e := range entries {
			t.Errorf("left in %s: %s", sub, e.Name())
		}
	}
	d.noSandboxCgroups()
	sandboxtest.RemoveCgroup(d.parent)
	if d.bridge != "" && d.cmd.ProcessState != nil && d.cmd.ProcessState.Success() {
		for _, left := range networktest.Leftovers(d.bridge, network.PortPrefix(d.bridge)) {
			t.Errorf("left after lambdad serve stopped: %s", left)
		}
	}
	if d.cmd.ProcessState != nil && d.cmd.ProcessState.Success() && isMountPoint(d.runDir) {
		t.Errorf("the run directory %s is still mounted after lambdad serve stopped", d.runDir)
	}
	if isMountPoint(d.runDir) { // left by a failure or a crash: do not leave it to the machine
		syscall.Unmount(d.runDir, syscall.MNT_DETACH)
	}
	if strings.Contains(d.output.String(), "stubborn") {
		for _, p := range stubbornProcesses() {
			t.Errorf("process survived: %s", p)
		}
	}
}

func (d *served) noSandboxCgroups() {
	d.t.Helper()
	for _, dir := range sandboxCgroups(d.parent) {
		d.t.Errorf("sandbox cgroup left: %s", dir)
	}
}

// sandboxCount counts the daemon's live sandboxes by their cgroups (one
// sandbox has one in each hierarchy).
func (d *served) sandboxCount() int {
	ids := map[string]bool{}
	for _, dir := range sandboxCgroups(d.parent) {
		ids[filepath.Base(dir)] = true
	}
	return len(ids)
}

// heldSpare tells whether one of d's sandboxes runs lambdad's in-sandbox
// init (named init) and nothing else: a prestarted sandbox, set up.
func (d *served) heldSpare() bool {
	for _, dir := range sandboxCgroups(d.parent) {
		data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		pids := strings.Fields(string(data))
		if len(pids) != 1 {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + pids[0] + "/comm")
		if strings.TrimSpace(string(comm)) == "init" {
			return true
		}
	}
	return false
}

func stubbornProcesses() []string {
	var found []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("bootstrap\x00stubborn")) {
			found = append(found, f)
		}
	}
	return found
}

func (d *served) invoke(name string, payload string, opts ...func(*lambda.InvokeInput)) (*lambda.InvokeOutput, error) {
	in := &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)}
	for _, o := range opts {
		o(in)
	}
	// Long enough for the hog's 300 s timeout: the cgroup v2 lane's CPU is
	// emulated.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	return d.client.Invoke(ctx, in)
}

func tail(in *lambda.InvokeInput) { in.LogType = types.LogTypeTail }

func mustInvoke(t *testing.T, d *served, name, payload string, opts ...func(*lambda.InvokeInput)) *lambda.InvokeOutput {
	t.Helper()
	out, err := d.invoke(name, payload, opts...)
	if err != nil {
		t.Fatalf("invoke %s %s: %v\ndaemon output:\n%s", name, payload, err, d.output)
	}
	return out
}

func errorType(t *testing.T, out *lambda.InvokeOutput) string {
	t.Helper()
	var doc struct {
		ErrorType string `json:"errorType"`
	}
	json.Unmarshal(out.Payload, &doc)
	return doc.ErrorType
}

func TestServeGoFunction(t *testing.T) {
	d := startDaemon(t)
	out := mustInvoke(t, d, "gofn", `{"text":"hi"}`, tail)
	var r struct {
		Text      string `json:"text"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(out.Payload, &r); err != nil || r.Text != "hi" || r.RequestID == "" {
		t.Fatalf("payload %s: %v", out.Payload, err)
	}
	if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Errorf("status %d, function error %v, version %v", out.StatusCode, out.FunctionError, out.ExecutedVersion)
	}
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	for _, want := range []string{"START RequestId: " + r.RequestID, "END RequestId: " + r.RequestID,
		"REPORT RequestId: " + r.RequestID + "\tDuration: ", "\tMemory Size: 1024 MB\tMax Memory Used: ", "\tInit Duration: "} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log tail lacks %q:\n%s", want, log)
		}
	}
	// Warm: the same process, no Init Duration.
	out2 := mustInvoke(t, d, "gofn", `{"text":"again"}`, tail)
	log2, _ := base64.StdEncoding.DecodeString(aws.ToString(out2.LogResult))
	if strings.Contains(string(log2), "Init Duration") {
		t.Errorf("second invoke was cold:\n%s", log2)
	}
}

func TestServeInvocationTypes(t *testing.T) {
	d := startDaemon(t)
	dry, err := d.invoke("gofn", `{}`, func(in *lambda.InvokeInput) { in.InvocationType = types.InvocationTypeDryRun })
	if err != nil || dry.StatusCode != 204 {
		t.Errorf("DryRun: %v %v", dry, err)
	}
	ev, err := d.invoke("gofn", `{"text":"async"}`, func(in *lambda.InvokeInput) { in.InvocationType = types.InvocationTypeEvent })
	if err != nil || ev.StatusCode != 202 {
		t.Fatalf("Event: %v %v", ev, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.output.String(), "END RequestId:") {
		if time.Now().After(deadline) {
			t.Fatalf("the Event invoke never ran:\n%s", d.output)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeFunctionErrors(t *testing.T) {
	d := startDaemon(t)
	for _, tc := range []struct {
		name, function, payload, wantType, wantText string
	}{
		{"returned error", "gofn", `{"mode":"error"}`, "errorString", "something went wrong"},
		{"panic", "gofn", `{"mode":"panic"}`, "", "boom"},
		{"os.Exit", "gofn", `{"mode":"exit"}`, "Runtime.ExitError", "Runtime exited with error: exit status 3"},
		{"python exception", "pyerr", `{}`, "ValueError", "bad input"},
		{"python import error", "pyimport", `{}`, "Runtime.ImportModuleError", "no_such_module"},
		{"no bootstrap", "nobootstrap", `{}`, "Runtime.InvalidEntrypoint", "Couldn't find valid bootstrap(s)"},
		{"response too large", "big", `{"mode":"big"}`, "Function.ResponseSizeTooLarge", "exceeded maximum allowed payload size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.function, "py") {
				requirePython(t)
			}
			out := mustInvoke(t, d, tc.function, tc.payload)
			if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" {
				t.Errorf("status %d, function error %q; want 200 Unhandled", out.StatusCode, aws.ToString(out.FunctionError))
			}
			if tc.wantType != "" && errorType(t, out) != tc.wantType || !strings.Contains(string(out.Payload), tc.wantText) {
				t.Errorf("payload %s, want errorType %s and %q", out.Payload, tc.wantType, tc.wantText)
			}
		})
	}
	// The function still serves after each failure.
	if out := mustInvoke(t, d, "gofn", `{"text":"ok"}`); out.FunctionError != nil {
		t.Errorf("after the failures: %s", out.Payload)
	}
}

func TestServeTimeoutKillsEverything(t *testing.T) {
	d := startDaemon(t)
	start := time.Now()
	out := mustInvoke(t, d, "gofn", `{"mode":"stubborn"}`)
	if errorType(t, out) != "Sandbox.Timedout" || !strings.Contains(string(out.Payload), "Task timed out after 2.00 seconds") {
		t.Errorf("payload %s", out.Payload)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the timeout took %s", took)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(stubbornProcesses()) > 0 || d.sandboxCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the timeout: processes %v, %d sandboxes", stubbornProcesses(), d.sandboxCount())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeOutOfMemory(t *testing.T) {
	d := startDaemon(t)
	start := time.Now()
	out := mustInvoke(t, d, "hog", `{"mode":"oom"}`, tail)
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	t.Logf("out of memory after %s; log tail:\n%s", time.Since(start).Round(time.Millisecond), log)
	if errorType(t, out) != "Runtime.OutOfMemory" {
		t.Errorf("payload %s", out.Payload)
	}
}

func TestServeServiceErrors(t *testing.T) {
	d := startDaemon(t)
	_, err := d.invoke("nope", `{}`)
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) || !strings.Contains(notFound.ErrorMessage(), "Function not found: arn:aws:lambda:us-east-1:") {
		t.Errorf("unknown function: %v", err)
	}
	_, err = d.invoke("gofn", `{not json`)
	var badContent *types.InvalidRequestContentException
	if !errors.As(err, &badContent) {
		t.Errorf("invalid JSON: %v", err)
	}
	_, err = d.invoke("gofn", `"`+strings.Repeat("x", 6<<20)+`"`)
	var tooLarge *types.RequestTooLargeException
	if !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "StatusCode: 413") {
		t.Errorf("7 MB payload: %v", err)
	}
	_, err = d.invoke("broken", `{}`)
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "MemorySize") {
		t.Errorf("broken function: %v", err)
	}
	// The shorthand route, with curl's kind of request.
	resp, err := http.Post(d.endpoint+"/invoke/gofn", "application/json", strings.NewReader(`{"text":"short"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /invoke/gofn: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestServeConcurrency(t *testing.T) {
	// A small host's default --max-pids (half its threads-max: 7828 in the
	// cgroup v2 lane's 2 GB guest) fits 7 sandboxes; pids are not this
	// test's subject.
	d := startDaemon(t, "--max-pids", "65536")
	mustInvoke(t, d, "gofn", `{}`) // a first cold start
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.invoke("gofn", `{"mode":"sleep","ms":1000}`); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each of the 8 overlapping invokes had a sandbox of its own: a cold
	// start happens only while every sandbox of the function is busy, so
	// 8 sandboxes mean the 8 invokes were in flight side by side, however
	// slow this machine is (no wall-clock bound: the emulated cgroup v2
	// lane took 4.1-4.2 s for what takes 1.2 s here).
	if got := d.sandboxCount(); got != n {
		t.Errorf("%d sandboxes served %d overlapping invokes, want %d", got, n, n)
	}
}

func TestServeReservedConcurrency(t *testing.T) {
	d := startDaemon(t)
	first := make(chan error, 1)
	go func() {
		_, err := d.invoke("reserved", `{"mode":"sleep","ms":1500}`)
		first <- err
	}()
	deadline := time.Now().Add(20 * time.Second)
	for d.sandboxCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first invoke never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err := d.invoke("reserved", `{}`)
	var throttled *types.TooManyRequestsException
	if !errors.As(err, &throttled) {
		t.Errorf("second concurrent invoke: %v, want TooManyRequestsException; daemon output:\n%s", err, d.output)
	}
	if err := <-first; err != nil {
		t.Errorf("first invoke: %v", err)
	}
}

func TestServeIdleEviction(t *testing.T) {
	d := startDaemon(t, "--idle-timeout", "300ms")
	mustInvoke(t, d, "gofn", `{}`)
	mustInvoke(t, d, "reserved", `{}`)
	deadline := time.Now().Add(20 * time.Second)
	for d.sandboxCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sandboxes still there after the idle timeout", d.sandboxCount())
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.noSandboxCgroups()
}

func TestServeSIGTERMLeavesNothing(t *testing.T) {
	d := startDaemon(t)
	mustInvoke(t, d, "gofn", `{}`)
	mustInvoke(t, d, "reserved", `{}`)
	go d.invoke("gofn", `{"mode":"sleep","ms":500}`) // in flight at SIGTERM
	deadline := time.Now().Add(20 * time.Second)
	for d.sandboxCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	d.stop() // checks that nothing is left
}

// SIGTERM with a backlog of slow Event invokes: no invoke starts after it,
// the two in flight are killed once --shutdown-timeout is over, the queued
// events are kept for the next start (and logged so), and the daemon exits
// leaving nothing.
func TestServeSIGTERMWithEventBacklog(t *testing.T) {
	d := startDaemon(t, "--shutdown-timeout", "1s", "--max-sandboxes", "2")
	for range 6 {
		out, err := d.invoke("hog", `{"mode":"sleep","ms":200000}`, func(in *lambda.InvokeInput) { in.InvocationType = types.InvocationTypeEvent })
		if err != nil || out.StatusCode != 202 {
			t.Fatalf("Event: %v %v", out, err)
		}
	}
	testkit.Eventually(t, "two events started", func() bool { return strings.Count(d.output.String(), "START RequestId") == 2 })
	began := time.Now()
	d.stop() // SIGTERM; checks that nothing is left
	t.Logf("stopped %s after SIGTERM (--shutdown-timeout 1s)", time.Since(began))
	log := d.output.String()
	if n := strings.Count(log, "START RequestId"); n != 2 {
		t.Errorf("%d invokes started, want the 2 in flight at SIGTERM and none after:\n%s", n, log)
	}
	if !strings.Contains(log, "async events kept for the next start") || !strings.Contains(log, "count=6") {
		t.Errorf("no log of the 6 events kept:\n%s", log)
	}
}

func TestServePython(t *testing.T) {
	requirePython(t)
	d := startDaemon(t)
	out := mustInvoke(t, d, "hello", `{"name":"World"}`)
	var r struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(out.Payload, &r); err != nil || r.Message != "Hello, World!" {
		t.Errorf("payload %s: %v", out.Payload, err)
	}
}

// requirePython skips a test whose function runs on the host's python3
// when there is none (the cgroup v2 lane's guest).
func requirePython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("SKIPPED: python3.x functions run the host's /usr/bin/python3, and this host has none")
	}
}

func TestServeProvisionedConcurrency(t *testing.T) {
	// Its own functions directory: provisioned sandboxes would upset the
	// sandbox counts of the other tests.
	dir := filepath.Join(t.TempDir(), "functions")
	gofn, err := os.ReadFile(filepath.Join(testFunctions(t), "gofn", "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "pre"), 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	os.WriteFile(filepath.Join(dir, "pre", "bootstrap"), gofn, 0o755)
	os.WriteFile(filepath.Join(dir, "pre", "function.json"),
		[]byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3,"ProvisionedConcurrency":2}`), 0o644)
	d := startDaemon(t, "--functions", dir)
	deadline := time.Now().Add(30 * time.Second)
	for d.sandboxCount() < 2 { // the daemon starts them without any invoke
		if time.Now().After(deadline) {
			t.Fatalf("%d provisioned sandboxes after 30 s, want 2:\n%s", d.sandboxCount(), d.output)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := mustInvoke(t, d, "pre", `{"mode":"env","text":"AWS_LAMBDA_INITIALIZATION_TYPE"}`, tail)
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(out.Payload), `"text":"provisioned-concurrency"`) || strings.Contains(string(log), "Init Duration") {
		t.Errorf("payload %s, log:\n%s\nwant a warm invoke of a provisioned sandbox", out.Payload, log)
	}
}

// A ProvisionedConcurrency the limits cannot hold is refused at start, with
// an error naming the function, the numbers and the flag; the function
// still runs, on demand, and so do the others.
func TestServeProvisionedConcurrencyOverLimits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "functions")
	gofn, err := os.ReadFile(filepath.Join(testFunctions(t), "gofn", "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	for name, config := range map[string]string{
		"big":   `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3,"ProvisionedConcurrency":100000}`,
		"other": `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3}`,
	} {
		os.MkdirAll(filepath.Join(dir, name), 0o755)
		os.WriteFile(filepath.Join(dir, name, "bootstrap"), gofn, 0o755)
		os.WriteFile(filepath.Join(dir, name, "function.json"), []byte(config), 0o644)
	}
	os.Chmod(filepath.Dir(dir), 0o755)
	d := startDaemon(t, "--functions", dir, "--max-sandboxes", "16")
	out := mustInvoke(t, d, "big", `{"mode":"env","text":"AWS_LAMBDA_INITIALIZATION_TYPE"}`, tail)
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(out.Payload), `"text":"on-demand"`) || !strings.Contains(string(log), "Init Duration") {
		t.Errorf("payload %s, log:\n%s\nwant a cold start on demand", out.Payload, log)
	}
	mustInvoke(t, d, "other", `{}`)
	for _, want := range []string{"provisioned concurrency refused", "function big: ProvisionedConcurrency 100000", "--max-sandboxes 16"} {
		if !strings.Contains(d.output.String(), want) {
			t.Errorf("daemon output lacks %q:\n%s", want, d.output)
		}
	}
}

// The daemon runs from a sealed copy of itself, so libcontainer seals none
// per sandbox; the sandboxes still start.
func TestServeRunsSealed(t *testing.T) {
	d := startDaemon(t)
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", d.cmd.Process.Pid))
	if err != nil || !strings.HasPrefix(exe, "/memfd:") {
		t.Errorf("lambdad serve runs %q (%v), want a sealed memfd", exe, err)
	}
	mustInvoke(t, d, "gofn", `{"text":"sealed"}`)
	// Every thread, those the Go runtime started before the renaming and
	// after it alike.
	want := filepath.Base(lambdad)
	if len(want) > 15 {
		want = want[:15] // comm's limit
	}
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/comm", d.cmd.Process.Pid))
	if err != nil || len(tasks) < 2 {
		t.Fatalf("threads of lambdad serve: %v (%v)", tasks, err)
	}
	for _, task := range tasks {
		comm, err := os.ReadFile(task)
		if err != nil || strings.TrimSpace(string(comm)) != want {
			t.Errorf("%s: lambdad serve's thread is named %q (%v), want %q", task, comm, err, want)
		}
	}
}

// A daemon killed with SIGKILL leaves its sandboxes, spares included, and
// its tmpfs run directory; the next one on the same directories destroys
// them, and unmounts the tmpfs when it stops.
func TestServeAfterACrash(t *testing.T) {
	first := startDaemon(t, "--spares", "1")
	// Where the temporary directory is a tmpfs already (the cgroup v2 lane's
	// guest), lambdad mounts none.
	mounted := isMountPoint(first.runDir)
	mustInvoke(t, first, "gofn", `{"text":"before the crash"}`)
	deadline := time.Now().Add(30 * time.Second)
	for first.sandboxCount() < 2 && time.Now().Before(deadline) { // the idle instance and a spare
		time.Sleep(10 * time.Millisecond)
	}
	if n := first.sandboxCount(); n < 2 {
		t.Errorf("%d sandboxes before the crash, want an idle one and a spare", n)
	}
	first.cmd.Process.Kill()
	first.cmd.Wait()
	if mounted && !isMountPoint(first.runDir) {
		t.Error("the run directory is not a mount point after the crash")
	}

	if left := networktest.Leftovers(first.bridge, network.PortPrefix(first.bridge)); len(left) == 0 {
		t.Error("the crashed daemon's network is gone before the restart: the test proves nothing of its cleanup")
	}

	// The restart cleans up whatever the checks above said.
	second := startDaemonIn(t, first.dir, "--spares", "0", "--bridge", first.bridge, "--subnet", first.subnet)
	second.bridge = first.bridge
	if n := second.sandboxCount(); n != 0 {
		t.Errorf("%d sandboxes of the crashed daemon left after the restart:\n%s", n, second.output)
	}
	mustInvoke(t, second, "gofn", `{"text":"after the crash"}`)
	second.stop()
	if isMountPoint(first.runDir) {
		t.Error("the run directory is still mounted after a clean stop")
	}
}

// serve remounts the host's cgroup2 hierarchy with favordynmods and keeps
// its other options: dropping nsdelegate, say, would break systemd's
// delegation. (Where an earlier run set it already, this checks only that
// the options are still there.)
func TestServeFavorsDynmods(t *testing.T) {
	if cgroup2AtStart.point == "" {
		t.Skip("SKIPPED: no cgroup2 hierarchy is mounted here (cgroup v1 only)")
	}
	d := startDaemon(t)
	mustInvoke(t, d, "gofn", `{}`)
	if strings.Contains(d.output.String(), "not remounted with favordynmods") && strings.Contains(d.output.String(), "invalid argument") {
		t.Skipf("SKIPPED: this kernel has no favordynmods (Linux < 6.0):\n%s", d.output)
	}
	now := readCgroup2Options()
	t.Logf("cgroup2 at %s: %s %s, was %s %s", now.point, now.mount, now.super, cgroup2AtStart.mount, cgroup2AtStart.super)
	if !slices.Contains(strings.Split(now.super, ","), "favordynmods") {
		t.Errorf("cgroup2 at %s has options %s after lambdad serve, want favordynmods among them; daemon output:\n%s", now.point, now.super, d.output)
	}
	drop := func(opts string) string {
		return strings.Join(slices.DeleteFunc(strings.Split(opts, ","), func(o string) bool { return o == "favordynmods" }), ",")
	}
	if now.point != cgroup2AtStart.point || now.mount != cgroup2AtStart.mount || drop(now.super) != drop(cgroup2AtStart.super) {
		t.Errorf("lambdad serve changed the cgroup2 mount from %s %s %s to %s %s %s", cgroup2AtStart.point, cgroup2AtStart.mount, cgroup2AtStart.super, now.point, now.mount, now.super)
	}
}

// cgroup2Options is the host's cgroup2 mount, as serve finds it:
// /sys/fs/cgroup or, on a hybrid host, /sys/fs/cgroup/unified.
type cgroup2Options struct {
	point, mount, super string
}

func readCgroup2Options() cgroup2Options {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		pre, post, _ := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) >= 6 && len(g) >= 3 && g[0] == "cgroup2" && f[3] == "/" && (f[4] == "/sys/fs/cgroup" || f[4] == "/sys/fs/cgroup/unified") {
			return cgroup2Options{point: f[4], mount: f[5], super: g[2]}
		}
	}
	return cgroup2Options{}
}

func isMountPoint(dir string) bool {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && f[4] == dir {
			return true
		}
	}
	return false
}

func TestServeSpares(t *testing.T) {
	d := startDaemon(t, "--spares", "2")
	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d sandboxes after 30 s:\n%s", what, d.sandboxCount(), d.output)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// At most two spares, whatever the number of functions, made at start.
	eventually("two spares", func() bool { return d.sandboxCount() == 2 })
	time.Sleep(200 * time.Millisecond)
	if n := d.sandboxCount(); n != 2 {
		t.Fatalf("%d sandboxes with --spares 2 and no invoke, want 2", n)
	}

	// A cold start on a spare: the runtime's init runs then, on demand.
	out := mustInvoke(t, d, "gofn", `{"mode":"env","text":"AWS_LAMBDA_INITIALIZATION_TYPE"}`, tail)
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if !strings.Contains(string(out.Payload), `"text":"on-demand"`) || !strings.Contains(string(log), "Init Duration") {
		t.Errorf("payload %s, log:\n%s\nwant a cold, on-demand invoke", out.Payload, log)
	}
	// The used spare is replaced: two spares and the idle instance.
	eventually("the used spare replaced", func() bool { return d.sandboxCount() == 3 })
	second := mustInvoke(t, d, "gofn", `{"text":"again"}`, tail)
	if log, _ := base64.StdEncoding.DecodeString(aws.ToString(second.LogResult)); strings.Contains(string(log), "Init Duration") {
		t.Errorf("second invoke was cold, want the idle instance:\n%s", log)
	}
	// d.stop proves SIGTERM left nothing of the spares either.
}

// A spare binds the function's directory when it is made: a directory
// replaced since (a redeploy) makes it unfit, and the cold start sets up a
// sandbox on the new one.
func TestServeSpareOfReplacedCode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "functions")
	gofn, err := os.ReadFile(filepath.Join(testFunctions(t), "gofn", "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	fn := filepath.Join(dir, "fn")
	os.MkdirAll(fn, 0o755)
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	os.WriteFile(filepath.Join(fn, "bootstrap"), gofn, 0o755)
	os.WriteFile(filepath.Join(fn, "function.json"), []byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3}`), 0o644)
	d := startDaemon(t, "--functions", dir, "--spares", "1")
	deadline := time.Now().Add(30 * time.Second)
	for !d.heldSpare() { // its code bound, its init waiting
		if time.Now().After(deadline) {
			t.Fatalf("no held spare after 30 s:\n%s", d.output)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The redeploy: the new code has no bootstrap.
	if err := os.Rename(fn, fn+".old"); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(fn, 0o755)
	os.WriteFile(filepath.Join(fn, "function.json"), []byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3}`), 0o644)
	out := mustInvoke(t, d, "fn", `{"text":"new code?"}`)
	if got := errorType(t, out); got != "Runtime.InvalidEntrypoint" {
		t.Errorf("error type %q, payload %s: want Runtime.InvalidEntrypoint, the new code's (the spare ran the old)", got, out.Payload)
	}
}

func TestServeFreezeIdle(t *testing.T) {
	d := startDaemon(t, "--freeze-idle")
	first := mustInvoke(t, d, "gofn", `{"text":"one"}`)
	frozen := func() bool {
		v1, _ := filepath.Glob("/sys/fs/cgroup/freezer" + d.parent + "/*/freezer.state")
		v2, _ := filepath.Glob("/sys/fs/cgroup" + d.parent + "/*/cgroup.freeze")
		for _, f := range append(v1, v2...) {
			b, _ := os.ReadFile(f)
			if s := strings.TrimSpace(string(b)); s == "FROZEN" || s == "1" {
				return true
			}
		}
		return false
	}
	if !frozen() {
		t.Error("the idle sandbox is not frozen")
	}
	second := mustInvoke(t, d, "gofn", `{"text":"two"}`, tail)
	log, _ := base64.StdEncoding.DecodeString(aws.ToString(second.LogResult))
	if second.FunctionError != nil || !strings.Contains(string(second.Payload), `"text":"two"`) || strings.Contains(string(log), "Init Duration") {
		t.Errorf("warm invoke of a frozen sandbox: %s\n%s (first: %s)", second.Payload, log, first.Payload)
	}
	if !frozen() {
		t.Error("the sandbox was not frozen again after its invoke")
	}
	// stop (cleanup) destroys the frozen sandbox and checks nothing is left.
}
