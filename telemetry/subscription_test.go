package telemetry

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSubscribeValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		api  API
		body string
		want string // a part of errorMessage; "" for success
	}{
		{"aws example", Telemetry, `{"schemaVersion":"2022-07-01","types":["platform","function","extension"],"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":100},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:8080"}}`, ""},
		{"2022-12-13", Telemetry, sub("2022-12-13", `"function"`, "", httpDest), ""},
		{"2025-01-29", Telemetry, sub("2025-01-29", `"function"`, "", httpDest), ""},
		{"aws samples' extra fields", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP","URI":"http://sandbox:4243/","method":"POST","encoding":"JSON"}`), ""},
		{"tcp port", Telemetry, sub("2022-12-13", `"platform"`, "", `{"protocol":"TCP","port":4243}`), ""},
		{"tcp uri", Telemetry, sub("2022-12-13", `"platform"`, "", `{"protocol":"TCP","URI":"sandbox.localdomain:4243"}`), ""},
		{"logs example", Logs, `{"schemaVersion":"2020-08-15","types":["platform","function"],"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":100},"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:8080/lambda_logs"}}`, ""},
		{"logs default schema", Logs, `{"types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox:8080"}}`, ""},
		{"logs 2021-03-18", Logs, sub("2021-03-18", `"platform"`, "", httpDest), ""},

		{"not json", Telemetry, `{"schemaVersion":`, "could not parse"},
		{"not an object", Telemetry, `[1,2]`, "could not parse"},
		{"trailing data", Telemetry, sub("2022-07-01", `"platform"`, "", httpDest) + "{}", "could not parse"},
		{"types not array", Telemetry, `{"schemaVersion":"2022-07-01","types":"platform","destination":` + httpDest + `}`, "could not parse"},
		{"no schema", Telemetry, `{"types":["platform"],"destination":` + httpDest + `}`, "schemaVersion is not provided"},
		{"wrong schema", Telemetry, sub("2020-08-15", `"platform"`, "", httpDest), `schemaVersion "2020-08-15" is not supported`},
		{"logs wrong schema", Logs, sub("2022-07-01", `"platform"`, "", httpDest), `schemaVersion "2022-07-01" is not supported`},
		{"no types", Telemetry, sub("2022-07-01", ``, "", httpDest), "types should not be empty"},
		{"bad type", Telemetry, sub("2022-07-01", `"platform","logs"`, "", httpDest), `type "logs" is not valid`},
		{"maxItems low", Telemetry, sub("2022-07-01", `"platform"`, `{"maxItems":25}`, httpDest), "buffering.maxItems should be between 1000 and 10000"},
		{"maxItems high", Logs, sub("2020-08-15", `"platform"`, `{"maxItems":10001}`, httpDest), "buffering.maxItems should be between 1000 and 10000"},
		{"maxBytes low", Telemetry, sub("2022-07-01", `"platform"`, `{"maxBytes":1024}`, httpDest), "buffering.maxBytes should be between 262144 and 1048576"},
		{"timeout low", Telemetry, sub("2022-07-01", `"platform"`, `{"timeoutMs":24}`, httpDest), "buffering.timeoutMs should be between 25 and 30000"},
		{"timeout high", Telemetry, sub("2022-07-01", `"platform"`, `{"timeoutMs":30001}`, httpDest), "buffering.timeoutMs should be between 25 and 30000"},
		{"timeout negative", Telemetry, sub("2022-07-01", `"platform"`, `{"timeoutMs":-1}`, httpDest), "buffering.timeoutMs"},
		{"timeout fraction", Telemetry, sub("2022-07-01", `"platform"`, `{"timeoutMs":100.5}`, httpDest), "could not parse"},
		{"no destination", Telemetry, `{"schemaVersion":"2022-07-01","types":["platform"]}`, "destination is not provided"},
		{"no protocol", Telemetry, sub("2022-07-01", `"platform"`, "", `{"URI":"http://sandbox:8080"}`), "protocol is not provided"},
		{"bad protocol", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTPS","URI":"https://sandbox:8080"}`), `protocol "HTTPS" is not valid`},
		{"no uri", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP"}`), "URI is not provided"},
		{"https", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP","URI":"https://sandbox:8080"}`), "is not valid"},
		{"outside host", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP","URI":"http://example.com:8080"}`), `host "example.com" is not the execution environment`},
		{"no port", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP","URI":"http://sandbox.localdomain/x"}`), "URI port is not provided"},
		{"bad port", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP","URI":"http://sandbox:70000"}`), `port "70000" is not valid`},
		{"runtime api port", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"HTTP","URI":"http://sandbox:9001"}`), "reserved"},
		{"bad method", Logs, sub("2020-08-15", `"platform"`, "", `{"protocol":"HTTP","URI":"http://sandbox:8080","method":"GET"}`), `method "GET"`},
		{"bad encoding", Logs, sub("2020-08-15", `"platform"`, "", `{"protocol":"HTTP","URI":"http://sandbox:8080","encoding":"XML"}`), `encoding "XML"`},
		{"tcp no port", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"TCP"}`), "port is not provided"},
		{"tcp port zero", Telemetry, sub("2022-07-01", `"platform"`, "", `{"protocol":"TCP","port":0}`), `port "0" is not valid`},
		{"every problem", Telemetry, sub("2022-07-01", ``, "", `{"protocol":"HTTP","URI":"http://sandbox.localdomain"}`), "types should not be empty; URI port is not provided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newHub(t, "127.0.0.1:1")
			w := subscribe(t, h, tc.api, "ext", tc.body)
			if tc.want == "" {
				if w.Code != http.StatusOK || w.Body.String() != `"OK"` {
					t.Fatalf("got %d %s, want 200 \"OK\"", w.Code, w.Body)
				}
				if !h.Subscribed() {
					t.Fatal("Subscribed() is false after a subscription")
				}
				return
			}
			var doc struct{ ErrorType, ErrorMessage string }
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("error body %q: %v", w.Body, err)
			}
			wantType := "ValidationError"
			if tc.api == Logs {
				wantType = "Logs.ValidationError"
			}
			if w.Code != http.StatusBadRequest || doc.ErrorType != wantType || !strings.Contains(doc.ErrorMessage, tc.want) {
				t.Fatalf("got %d %s, want 400 %s containing %q", w.Code, w.Body, wantType, tc.want)
			}
			if w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", w.Header().Get("Content-Type"))
			}
			if h.Subscribed() {
				t.Fatal("a refused subscription counts")
			}
		})
	}
}

func TestSubscribeDefaults(t *testing.T) {
	for _, tc := range []struct {
		api  API
		body string
		want buffering
	}{
		{Telemetry, sub("2022-07-01", `"platform"`, "", httpDest), buffering{1000, 262144, time.Second}},
		{Telemetry, sub("2022-07-01", `"platform"`, `{"maxItems":0,"timeoutMs":25}`, httpDest), buffering{1000, 262144, 25 * time.Millisecond}},
		{Logs, `{"types":["platform"],"destination":` + httpDest + `}`, buffering{10000, 262144, time.Second}},
		{Logs, sub("2021-03-18", `"platform"`, `{"maxItems":2000,"maxBytes":1048576,"timeoutMs":30000}`, httpDest), buffering{2000, 1048576, 30 * time.Second}},
	} {
		s, err := parseSubscription(tc.api, []byte(tc.body))
		if err != nil || s.buffering != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.body, s.buffering, err, tc.want)
		}
	}
}

func TestSubscribeMethod(t *testing.T) {
	h, _ := newHub(t, "127.0.0.1:1")
	w := httptest.NewRecorder()
	h.ServeSubscribe(w, httptest.NewRequest(http.MethodPost, TelemetryPath, strings.NewReader(sub("2022-07-01", `"platform"`, "", httpDest))), Telemetry, "ext")
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "PUT" {
		t.Fatalf("POST: %d %v", w.Code, w.Header())
	}
}

// TestSubscribeOtherAPI: an extension subscribed through one API cannot
// subscribe through the other; another extension can.
func TestSubscribeOtherAPI(t *testing.T) {
	h, _ := newHub(t, "127.0.0.1:1")
	mustSubscribe(t, h, Telemetry, "a", sub("2022-12-13", `"platform"`, "", httpDest))
	w := subscribe(t, h, Logs, "a", sub("2020-08-15", `"platform"`, "", httpDest))
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "already subscribed to the Telemetry API") {
		t.Fatalf("logs after telemetry: %d %s", w.Code, w.Body)
	}
	mustSubscribe(t, h, Logs, "b", sub("2020-08-15", `"platform"`, "", httpDest))
}

func TestSubscribeClosed(t *testing.T) {
	h, _ := newHub(t, "127.0.0.1:1")
	h.Close()
	w := subscribe(t, h, Telemetry, "a", sub("2022-12-13", `"platform"`, "", httpDest))
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "Telemetry.SubscriptionClosed") {
		t.Fatalf("after Close: %d %s", w.Code, w.Body)
	}
}

// FuzzParseSubscription: any body either fails with a ValidationError or
// yields a subscription within Lambda's limits, to a port of the sandbox.
func FuzzParseSubscription(f *testing.F) {
	for _, b := range []string{
		sub("2022-07-01", allTypes, `{"maxItems":1000,"maxBytes":262144,"timeoutMs":100}`, httpDest),
		sub("2022-12-13", `"function"`, "", `{"protocol":"TCP","port":4243}`),
		`{"types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox:8080","method":"PUT"}}`,
		`{"schemaVersion":"2022-07-01","types":[],"destination":{"protocol":"TCP","URI":"tcp://sandbox:1"}}`,
		`{}`, `null`, `[`, ``,
	} {
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, body string, logs bool) {
		api := Telemetry
		if logs {
			api = Logs
		}
		s, err := parseSubscription(api, []byte(body))
		if err != nil {
			if _, ok := err.(validationError); !ok || err.Error() == "" {
				t.Fatalf("error %T %q", err, err)
			}
			return
		}
		b := s.buffering
		if b.maxItems < 1000 || b.maxItems > 10000 || b.maxBytes < 262144 || b.maxBytes > 1048576 ||
			b.timeout < 25*time.Millisecond || b.timeout > 30*time.Second {
			t.Fatalf("buffering out of range: %+v", b)
		}
		if s.classes == 0 || len(s.types) == 0 || s.dest.port < 1 || s.dest.port > 65535 || s.dest.port == reservedPort {
			t.Fatalf("bad subscription %+v", s)
		}
		if s.enc.api() != api {
			t.Fatalf("encoding %d for %s", s.enc, api)
		}
	})
}
