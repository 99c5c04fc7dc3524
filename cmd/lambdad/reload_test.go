package main

import (
	"errors"
	"os"
	"os/exec"
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
// edit of its function.json takes effect without a restart and without
// one failed invoke; a broken edit keeps the last good definition serving;
// a function directory added serves, one removed stops serving; and (where
// the host has python3) an edit in place of a Python handler reaches the
// next invoke, though the warm sandbox had imported the old one.
func TestServeHotReload(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bootstrap, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	definition := func(v string) string {
		// (Timeout 30: 128 MB's share of the cgroup v2 lane's emulated CPUs is slow.)
		return `{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":30,"Environment":{"Variables":{"VERSION":"` + v + `"}}}`
	}
	for name, def := range map[string]string{"hot": definition("1")} {
		os.MkdirAll(filepath.Join(dir, name), 0o755)
		os.WriteFile(filepath.Join(dir, name, "bootstrap"), bootstrap, 0o755)
		os.WriteFile(filepath.Join(dir, name, "function.json"), []byte(def), 0o644)
	}
	d := startDaemon(t, "--functions", dir)
	version := func(name string) (string, error) {
		text, _, err := gofnText(d, name, `{"mode":"env","text":"VERSION"}`)
		return text, err
	}
	if v, err := version("hot"); err != nil || v != "1" {
		t.Fatalf("hot: %q, %v\n%s", v, err, d.output)
	}

	var failed, invokes atomic.Int64
	var last, firstErr atomic.Value
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
			v, err := version("hot")
			invokes.Add(1)
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				continue
			}
			last.Store(v)
		}
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30 s\n%s", what, d.output)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	time.Sleep(200 * time.Millisecond)
	writeAtomic(t, filepath.Join(dir, "hot", "function.json"), definition("2"))
	waitFor("the edited definition serving", func() bool { return last.Load() == "2" })

	// A broken edit: the last good definition keeps serving.
	writeAtomic(t, filepath.Join(dir, "hot", "function.json"), `{"Runtime":"provided.al2023","Handler":"bootstrap","MemorySize":64}`)
	waitFor("the broken edit logged", func() bool { return strings.Contains(d.output.String(), "serving its last good definition") })
	before := invokes.Load()
	waitFor("invokes after the broken edit", func() bool { return invokes.Load() > before+5 })
	if v := last.Load(); v != "2" {
		t.Errorf("after the broken edit hot runs VERSION %v, want the last good 2", v)
	}

	// A function added serves; removed, it is gone.
	os.MkdirAll(filepath.Join(dir, "added.tmp"), 0o755)
	os.WriteFile(filepath.Join(dir, "added.tmp", "bootstrap"), bootstrap, 0o755)
	os.WriteFile(filepath.Join(dir, "added.tmp", "function.json"), []byte(definition("7")), 0o644)
	os.Rename(filepath.Join(dir, "added.tmp"), filepath.Join(dir, "added"))
	waitFor("the added function serving", func() bool { v, err := version("added"); return err == nil && v == "7" })
	os.RemoveAll(filepath.Join(dir, "added"))
	var notFound *types.ResourceNotFoundException
	waitFor("the removed function gone", func() bool { _, err := version("added"); return errors.As(err, &notFound) })

	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d invokes failed during the reloads; the first: %v", n, invokes.Load(), firstErr.Load())
	}
	t.Logf("%d invokes of hot while it was edited, none failed", invokes.Load())

	if _, err := exec.LookPath("python3"); err != nil {
		t.Log("no python3 on this host: the edit of a Python handler is not tried")
		return
	}
	handler := func(v string) string { return "def handler(event, context):\n    return {'text': '" + v + "'}\n" }
	os.MkdirAll(filepath.Join(dir, "py"), 0o755)
	writeAtomic(t, filepath.Join(dir, "py", "handler.py"), handler("one"))
	waitFor("the Python function serving", func() bool { v, err := version("py"); return err == nil && v == "one" })
	if err := os.WriteFile(filepath.Join(dir, "py", "handler.py"), []byte(handler("two")), 0o644); err != nil { // in place
		t.Fatal(err)
	}
	waitFor("the edited handler serving", func() bool { v, err := version("py"); return err == nil && v == "two" })
}
