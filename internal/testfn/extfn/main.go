// Command extfn is an external Lambda extension for lambdad's tests,
// written against the Extensions and Telemetry APIs with the standard
// library only, as AWS's samples are. It registers for INVOKE and SHUTDOWN
// under its file's name, subscribes to the platform, function and
// extension telemetry streams, and appends every telemetry event it
// receives, one JSON object a line, to /tmp/telemetry.jsonl, which the
// function can return (gofn's "read" mode).
//
// It logs each lifecycle event it gets ("extfn: INVOKE <request id>",
// "extfn: SHUTDOWN <reason>"). EXTFN_WORK_MS makes it work that long after
// each INVOKE before it asks for the next event; EXTFN_CRASH=1 makes it
// exit with 3 on its first INVOKE.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

const (
	eventsFile = "/tmp/telemetry.jsonl"
	listenAddr = "sandbox.localdomain:4243"
)

var api = "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API")

func main() {
	name := filepath.Base(os.Args[0])
	id, err := register(name)
	if err != nil {
		fail("register", err)
	}
	if err := listen(); err != nil {
		fail("listen", err)
	}
	if err := subscribe(id); err != nil {
		fail("subscribe", err)
	}
	work, _ := strconv.Atoi(os.Getenv("EXTFN_WORK_MS"))
	for {
		ev, err := next(id)
		if err != nil {
			fail("next", err)
		}
		switch ev.EventType {
		case "INVOKE":
			fmt.Printf("extfn: INVOKE %s\n", ev.RequestID)
			if os.Getenv("EXTFN_CRASH") == "1" {
				os.Exit(3)
			}
			time.Sleep(time.Duration(work) * time.Millisecond)
		case "SHUTDOWN":
			fmt.Printf("extfn: SHUTDOWN %s\n", ev.ShutdownReason)
			os.Exit(0)
		}
	}
}

func fail(what string, err error) {
	fmt.Printf("extfn: %s: %v\n", what, err)
	os.Exit(1)
}

func register(name string) (string, error) {
	req, _ := http.NewRequest(http.MethodPost, api+"/2020-01-01/extension/register", bytes.NewBufferString(`{"events":["INVOKE","SHUTDOWN"]}`))
	req.Header.Set("Lambda-Extension-Name", name)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, body)
	}
	return resp.Header.Get("Lambda-Extension-Identifier"), nil
}

// listen serves the telemetry destination: every event posted is appended
// to eventsFile.
func listen() error {
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var events []json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&events); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(eventsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		for _, e := range events {
			f.Write(append(e, '\n'))
		}
	}))
	return nil
}

func subscribe(id string) error {
	body := `{"schemaVersion":"2022-12-13","types":["platform","function","extension"],` +
		`"buffering":{"maxItems":1000,"maxBytes":262144,"timeoutMs":25},` +
		`"destination":{"protocol":"HTTP","URI":"http://` + listenAddr + `/telemetry"}}`
	req, _ := http.NewRequest(http.MethodPut, api+"/2022-07-01/telemetry", bytes.NewBufferString(body))
	req.Header.Set("Lambda-Extension-Identifier", id)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, b)
	}
	return nil
}

type event struct {
	EventType      string `json:"eventType"`
	RequestID      string `json:"requestId"`
	ShutdownReason string `json:"shutdownReason"`
	DeadlineMs     int64  `json:"deadlineMs"`
}

func next(id string) (event, error) {
	req, _ := http.NewRequest(http.MethodGet, api+"/2020-01-01/extension/event/next", nil)
	req.Header.Set("Lambda-Extension-Identifier", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return event{}, err
	}
	defer resp.Body.Close()
	var ev event
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return ev, fmt.Errorf("%s: %s", resp.Status, b)
	}
	return ev, json.NewDecoder(resp.Body).Decode(&ev)
}
