package telemetry

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// emitAll emits one of every event, from t0 on, a second apart.
func emitAll(h *Hub) {
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
	tracing := &TraceContext{SpanID: "54565fb41ac79632", Type: TracingType, Value: "Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}
	h.InitStart(at(0), InitStart{InitializationType: OnDemand, Phase: PhaseInit, RuntimeVersion: "nodejs-14.v3", RuntimeVersionArn: "arn",
		FunctionName: "myFunction", FunctionVersion: "$LATEST", InstanceID: "82561ce0-53dd-47d1-90e0-c8f5e063e62e", InstanceMaxMemory: 256})
	h.InitRuntimeDone(at(1), InitRuntimeDone{InitializationType: OnDemand, Phase: PhaseInit, Status: StatusSuccess,
		Spans: []Span{{Name: "someTimeSpan", Start: time.Date(2022, 6, 2, 12, 2, 33, 913_000_000, time.UTC), DurationMs: 70.5}}})
	h.InitReport(at(2), InitReport{InitializationType: OnDemand, Phase: PhaseInit, Status: StatusSuccess, Metrics: InitReportMetrics{DurationMs: 125.33}})
	h.Start(at(3), Start{RequestID: "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", Version: "$LATEST", Tracing: tracing})
	h.Log(at(4), Function, []byte("[INFO] Hello world, I am a function!"))
	h.Log(at(5), Function, []byte(`{"timestamp":"2022-10-12T00:03:50.000Z","level":"INFO","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"Hello <world> & you"}`))
	h.RuntimeDone(at(6), RuntimeDone{RequestID: "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", Status: StatusError, ErrorType: "Runtime.ExitError",
		Metrics: RuntimeDoneMetrics{DurationMs: 140, ProducedBytes: 16},
		Spans: []Span{
			{Name: "responseLatency", Start: time.Date(2022, 8, 2, 12, 1, 23, 521_000_000, time.UTC), DurationMs: 23.02},
			{Name: "responseDuration", Start: time.Date(2022, 8, 2, 12, 1, 23, 544_000_000, time.UTC), DurationMs: 0.5},
		}, Tracing: tracing})
	h.Report(at(7), Report{RequestID: "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", Status: StatusSuccess,
		Metrics: ReportMetrics{DurationMs: 693.92, BilledDurationMs: 694, MemorySizeMB: 128, MaxMemoryUsedMB: 84, InitDurationMs: 397.68}})
	h.Extension(at(8), ExtensionEvent{Name: "my-telemetry-extension", State: "Ready", Events: []string{"INVOKE", "SHUTDOWN"}})
	h.Log(at(9), Extension, []byte("[INFO] Hello world, I am an extension!"))
	h.Fault(at(10), "RequestId: d783b35e-a91d-4251-af17-035953428a2c Process exited before completing request")
}

// wantTelemetry is what a Telemetry API subscriber of schema 2022-12-13
// gets from emitAll: AWS's documented examples, with their values.
var wantTelemetry = []string{
	`{"time":"2022-10-12T00:00:15.064Z","type":"platform.telemetrySubscription","record":{"name":"ext","state":"Subscribed","types":["platform","function","extension"]}}`,
	`{"time":"2022-10-12T00:00:15.064Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"nodejs-14.v3","runtimeVersionArn":"arn","functionName":"myFunction","functionVersion":"$LATEST","instanceId":"82561ce0-53dd-47d1-90e0-c8f5e063e62e","instanceMaxMemory":256}}`,
	`{"time":"2022-10-12T00:00:16.064Z","type":"platform.initRuntimeDone","record":{"initializationType":"on-demand","phase":"init","status":"success","spans":[{"name":"someTimeSpan","start":"2022-06-02T12:02:33.913Z","durationMs":70.5}]}}`,
	`{"time":"2022-10-12T00:00:17.064Z","type":"platform.initReport","record":{"initializationType":"on-demand","status":"success","phase":"init","metrics":{"durationMs":125.33}}}`,
	`{"time":"2022-10-12T00:00:18.064Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}}`,
	`{"time":"2022-10-12T00:00:19.064Z","type":"function","record":"[INFO] Hello world, I am a function!"}`,
	`{"time":"2022-10-12T00:00:20.064Z","type":"function","record":{"timestamp":"2022-10-12T00:03:50.000Z","level":"INFO","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"Hello <world> & you"}}`,
	`{"time":"2022-10-12T00:00:21.064Z","type":"platform.runtimeDone","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"error","errorType":"Runtime.ExitError","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"},` +
		`"spans":[{"name":"responseLatency","start":"2022-08-02T12:01:23.521Z","durationMs":23.02},{"name":"responseDuration","start":"2022-08-02T12:01:23.544Z","durationMs":0.5}],"metrics":{"durationMs":140.0,"producedBytes":16}}}`,
	`{"time":"2022-10-12T00:00:22.064Z","type":"platform.report","record":{"metrics":{"billedDurationMs":694,"durationMs":693.92,"initDurationMs":397.68,"maxMemoryUsedMB":84,"memorySizeMB":128},"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"success"}}`,
	`{"time":"2022-10-12T00:00:23.064Z","type":"platform.extension","record":{"events":["INVOKE","SHUTDOWN"],"name":"my-telemetry-extension","state":"Ready"}}`,
	`{"time":"2022-10-12T00:00:24.064Z","type":"extension","record":"[INFO] Hello world, I am an extension!"}`,
}

// wantLogs is what a Logs API subscriber of schema 2021-03-18 gets: the
// Logs API page's examples, with emitAll's values.
var wantLogs = []string{
	`{"time":"2022-10-12T00:00:15.064Z","type":"platform.logsSubscription","record":{"name":"ext","state":"Subscribed","types":["platform","function","extension"]}}`,
	`{"time":"2022-10-12T00:00:18.064Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST"}}`,
	`{"time":"2022-10-12T00:00:19.064Z","type":"function","record":"[INFO] Hello world, I am a function!"}`,
	`{"time":"2022-10-12T00:00:20.064Z","type":"function","record":"{\"timestamp\":\"2022-10-12T00:03:50.000Z\",\"level\":\"INFO\",\"requestId\":\"79b4f56e-95b1-4643-9700-2807f4e68189\",\"message\":\"Hello <world> & you\"}"}`,
	`{"time":"2022-10-12T00:00:21.064Z","type":"platform.runtimeDone","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"failure"}}`,
	`{"time":"2022-10-12T00:00:22.064Z","type":"platform.end","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"}}`,
	`{"time":"2022-10-12T00:00:22.064Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":693.92,"billedDurationMs":694,"memorySizeMB":128,"maxMemoryUsedMB":84,"initDurationMs":397.68}}}`,
	`{"time":"2022-10-12T00:00:23.064Z","type":"platform.extension","record":{"name":"my-telemetry-extension","state":"Ready","events":["INVOKE","SHUTDOWN"]}}`,
	`{"time":"2022-10-12T00:00:24.064Z","type":"extension","record":"[INFO] Hello world, I am an extension!"}`,
	`{"time":"2022-10-12T00:00:25.064Z","type":"platform.fault","record":"RequestId: d783b35e-a91d-4251-af17-035953428a2c Process exited before completing request"}`,
}

// sameJSON compares two JSON documents as values: field order and number
// spelling (140 and 140.0) aside.
func sameJSON(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// fixSubscriptionTime rewrites the subscription event's time, which is the
// real clock's, to t0.
func fixSubscriptionTime(t *testing.T, raw json.RawMessage) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["time"] = formatTime(t0)
	b, _ := json.Marshal(m)
	return b
}

func TestEventShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		api  API
		body string
		want []string
	}{
		{"telemetry 2022-12-13", Telemetry, sub("2022-12-13", allTypes, slowFlush, httpDest), wantTelemetry},
		{"logs 2021-03-18", Logs, sub("2021-03-18", allTypes, slowFlush, httpDest), wantLogs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t)
			h, _ := newHub(t, r.addr())
			mustSubscribe(t, h, tc.api, "ext", tc.body)
			emitAll(h)
			flush(t, h)
			got := r.records()
			if len(got) != len(tc.want) {
				t.Fatalf("got %d records, want %d:\n%s", len(got), len(tc.want), got)
			}
			got[0] = fixSubscriptionTime(t, got[0])
			for i := range tc.want {
				if !sameJSON(t, got[i], []byte(tc.want[i])) {
					t.Errorf("record %d:\n got %s\nwant %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}
