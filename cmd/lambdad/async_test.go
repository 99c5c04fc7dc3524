package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Event invokes survive a SIGKILL of the daemon: a burst of 200 is cut
// by the kill, and after a restart on the same state directory every
// invoke that got its 202 has run (at least once), as the records of its
// function's file:// OnSuccess destination show.
func TestServeAsyncSurvivesACrash(t *testing.T) {
	first := startDaemon(t)
	ctx := context.Background()
	records := filepath.Join(first.dir, "records")
	if err := os.MkdirAll(records, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := first.client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("async"), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String("arn:aws:iam::123456789012:role/lambdad"), Code: &types.FunctionCode{ZipFile: deployZip(t, "one")},
		MemorySize: aws.Int32(128), Timeout: aws.Int32(10),
	}); err != nil {
		t.Fatalf("CreateFunction: %v\n%s", err, first.output)
	}
	if _, err := first.client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{
		FunctionName:      aws.String("async"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String("file://" + records)}},
	}); err != nil {
		t.Fatal(err)
	}

	const total, killAt = 200, 100
	var mu sync.Mutex
	accepted := map[string]bool{}
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 10 * time.Second}
	next := make(chan int, total)
	for i := range total {
		next <- i
	}
	close(next)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequest("POST", first.endpoint+"/2015-03-31/functions/async/invocations", strings.NewReader(fmt.Sprintf(`{"mode":"sleep","ms":20,"text":"%d"}`, i)))
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
					first.cmd.Process.Kill()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	first.cmd.Wait()
	if len(accepted) < killAt {
		t.Fatalf("%d Event invokes accepted before the kill, want %d:\n%s", len(accepted), killAt, first.output)
	}

	entries, _ := os.ReadDir(records)
	before := len(entries)
	if before >= len(accepted) {
		t.Errorf("all %d accepted events ran before the kill: the restart has nothing to prove", len(accepted))
	}

	second := startDaemonIn(t, first.dir, "--bridge", first.bridge, "--subnet", first.subnet)
	second.bridge = first.bridge
	ran := map[string]bool{}
	missing := func() int {
		entries, _ := os.ReadDir(records)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") {
				continue
			}
			b, err := os.ReadFile(filepath.Join(records, e.Name()))
			if err != nil {
				continue
			}
			var rec struct {
				RequestContext struct {
					RequestID string `json:"requestId"`
					Condition string `json:"condition"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("record %s: %v: %s", e.Name(), err, b)
			}
			ran[rec.RequestContext.RequestID] = true
		}
		n := 0
		for id := range accepted {
			if !ran[id] {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	for missing() > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := missing(); n > 0 {
		t.Fatalf("%d of the %d accepted Event invokes never ran after the restart:\n%s", n, len(accepted), second.output)
	}
	t.Logf("%d Event invokes accepted before the SIGKILL, %d ran before it; all ran (%d records, the unacknowledged included)", len(accepted), before, len(ran))
}
