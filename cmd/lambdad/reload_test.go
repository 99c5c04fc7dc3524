package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// writeAtomic writes data to path as editors save: a temporary file
// renamed over it.
func writeAtomic(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp-save"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// Hot reload: while a client invokes a directory function in a loop, an
// edit of its handler takes effect without a restart and without one
// failed invoke; a broken function.json keeps the last good definition
// serving; a function directory added serves, one removed stops serving.
func TestServeHotReload(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	handler := func(v int) string {
		return "def handler(event, context):\n    return {'v': " + string(rune('0'+v)) + "}\n"
	}
	if err := os.MkdirAll(filepath.Join(dir, "hot"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "hot", "handler.py"), []byte(handler(1)), 0o644)
	d := startDaemon(t, "--functions", dir)
	value := func(name string) (int, error) {
		out, err := d.invoke(name, `{}`)
		if err != nil {
			return 0, err
		}
		var r struct{ V int }
		if err := json.Unmarshal(out.Payload, &r); err != nil || out.FunctionError != nil {
			return 0, errors.New(string(out.Payload))
		}
		return r.V, nil
	}
	if v, err := value("hot"); err != nil || v != 1 {
		t.Fatalf("hot: %d, %v\n%s", v, err, d.output)
	}

	var failed, invokes atomic.Int64
	var last atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			v, err := value("hot")
			invokes.Add(1)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				continue
			}
			last.Store(int64(v))
		}
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s\n%s", what, d.output)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	time.Sleep(200 * time.Millisecond)
	writeAtomic(t, filepath.Join(dir, "hot", "handler.py"), handler(2))
	waitFor("the edited handler serving", func() bool { return last.Load() == 2 })

	// A broken edit: the last good definition keeps serving.
	writeAtomic(t, filepath.Join(dir, "hot", "function.json"), `{"MemorySize": 64}`)
	waitFor("the broken edit logged", func() bool { return strings.Contains(d.output.String(), "serving its last good definition") })
	before := invokes.Load()
	waitFor("invokes after the broken edit", func() bool { return invokes.Load() > before+5 })
	os.Remove(filepath.Join(dir, "hot", "function.json"))

	// A function added serves; removed, it is gone.
	os.MkdirAll(filepath.Join(dir, "added"), 0o755)
	writeAtomic(t, filepath.Join(dir, "added", "handler.py"), handler(7))
	waitFor("the added function serving", func() bool { v, err := value("added"); return err == nil && v == 7 })
	os.RemoveAll(filepath.Join(dir, "added"))
	var notFound *types.ResourceNotFoundException
	waitFor("the removed function gone", func() bool { _, err := value("added"); return errors.As(err, &notFound) })

	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d invokes failed during the reloads; the first: %v", n, invokes.Load(), firstErr.Load())
	}
	t.Logf("%d invokes of hot while it was edited, none failed", invokes.Load())
	if last.Load() != 2 {
		t.Errorf("hot serves %d after the broken edit was undone, want 2", last.Load())
	}
}
