package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Event invokes survive a SIGKILL of the daemon, round after round: a
// burst of Event invokes is cut by a kill at a random point, and after a
// restart on the same state directory every invoke that got its 202 has
// run (at least once), as the records of its function's file:// OnSuccess
// destination show. CI runs 3 rounds of 200; LAMBDAD_CRASH_ROUNDS=20
// LAMBDAD_CRASH_EVENTS=1000 is the full test.
func TestServeAsyncSurvivesACrash(t *testing.T) {
	rounds, events := envInt("LAMBDAD_CRASH_ROUNDS", 3), envInt("LAMBDAD_CRASH_EVENTS", 200)
	// A small host's default --max-pids (7 sandboxes in the cgroup v2
	// lane's 2 GB guest) throttles the events, whose backoff then grows to a
	// minute: pids are not this test's subject.
	args := []string{"--max-pids", "65536"}
	d := startDaemon(t, args...)
	ctx := context.Background()
	records := filepath.Join(d.dir, "records")
	if err := os.MkdirAll(records, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("async"), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::123456789012:role/lambdad"), Code: &types.FunctionCode{ZipFile: deployZip(t, "one")},
		MemorySize: aws.Int32(128), Timeout: aws.Int32(10),
	}); err != nil {
		t.Fatalf("CreateFunction: %v\n%s", err, d.output)
	}
	if _, err := d.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{
		FunctionName:      aws.String("async"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String("file://" + records)}},
	}); err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	for round := range rounds {
		killAt := events/10 + rand.IntN(events*8/10)
		accepted := burstUntilKilled(t, d, events, killAt)
		before := readRecords(t, records, ran)
		next := startDaemonIn(t, d.dir, append(args, "--bridge", d.bridge, "--subnet", d.subnet)...)
		next.bridge, next.subnet = d.bridge, d.subnet
		missing := func() int {
			readRecords(t, records, ran)
			n := 0
			for id := range accepted {
				if !ran[id] {
					n++
				}
			}
			return n
		}
		deadline := time.Now().Add(180 * time.Second)
		for missing() > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if n := missing(); n > 0 {
			t.Fatalf("round %d: %d of the %d accepted Event invokes never ran after the restart:\n%s", round, n, len(accepted), next.output)
		}
		t.Logf("round %d: SIGKILL after %d of %d Event invokes accepted (%d records before it); after the restart all ran", round, len(accepted), events, before)
		d = next
	}
}

// burstUntilKilled sends events Event invokes from 8 clients and SIGKILLs
// d once killAt were accepted; it returns the request ids of those that
// got their 202.
func burstUntilKilled(t *testing.T, d *served, events, killAt int) map[string]bool {
	t.Helper()
	var mu sync.Mutex
	accepted := map[string]bool{}
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 10 * time.Second}
	next := make(chan int, events)
	for i := range events {
		next <- i
	}
	close(next)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequest("POST", d.endpoint+"/2015-03-31/functions/async/invocations", strings.NewReader(fmt.Sprintf(`{"mode":"sleep","ms":20,"text":"%d"}`, i)))
				req.Header.Set("X-Amz-Invocation-Type", "Event")
				resp, err := hc.Do(req)
				if err != nil {
					return // the daemon is gone
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					continue
				}
				mu.Lock()
				accepted[resp.Header.Get("X-Amzn-RequestId")] = true
				if len(accepted) == killAt {
					d.cmd.Process.Kill()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	d.cmd.Process.Kill() // a burst that ended before killAt
	d.cmd.Wait()
	if len(accepted) < killAt {
		t.Fatalf("%d Event invokes accepted before the kill, want %d:\n%s", len(accepted), killAt, d.output)
	}
	return accepted
}

// readRecords adds the request ids of the destination records in dir to
// ran and returns how many records there are.
func readRecords(t *testing.T, dir string, ran map[string]bool) int {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var rec struct {
			RequestContext struct {
				RequestID string `json:"requestId"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("record %s: %v: %s", e.Name(), err, b)
		}
		ran[rec.RequestContext.RequestID] = true
		n++
	}
	return n
}

// envInt is the environment variable name as a number, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
