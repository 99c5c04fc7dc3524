package catalog_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// pythonDef is the definition of a Python function whose code is app.py.
var pythonDef = json.RawMessage(`{"Runtime":"python3.12","Handler":"app.handler"}`)

// pyZip is a zip holding app.py, whose handler returns body.
func pyZip(t testing.TB, body string) []byte {
	t.Helper()
	return makeZip(t, map[string]string{
		"app.py": "def handler(event, context):\n    return " + body + "\n",
	})
}

// makeZip is a zip of files (name → contents).
func makeZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lambdaSum is Lambda's CodeSha256 of b.
func lambdaSum(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// events records what a Catalog tells its Options.OnRetire and OnChange.
type events struct {
	mu      sync.Mutex
	retired []string
	changes int
}

func (ev *events) retire(keys []string) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.retired = append(ev.retired, keys...)
}

func (ev *events) change() {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.changes++
}

// take returns the keys retired and the changes counted since the last
// take, and forgets them.
func (ev *events) take() (retired []string, changes int) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	retired, changes = ev.retired, ev.changes
	ev.retired, ev.changes = nil, 0
	return retired, changes
}

// options are the Options of a test catalog kept in dir, reporting to ev
// (nil: to no one).
func options(dir string, ev *events) catalog.Options {
	o := catalog.Options{Dir: dir, Loader: function.Loader{}}
	if ev != nil {
		o.OnRetire, o.OnChange = ev.retire, ev.change
	}
	return o
}

// open opens a catalog in a new directory, closed at cleanup.
func open(t testing.TB) (*catalog.Catalog, string) {
	t.Helper()
	dir := t.TempDir()
	return openAt(t, options(dir, nil)), dir
}

// openAt opens the catalog of opts, closed at cleanup.
func openAt(t testing.TB, opts catalog.Options) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Open(opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", opts.Dir, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// create creates the Python function name with code body and fails the
// test if it cannot.
func create(t testing.TB, c *catalog.Catalog, name, body string) catalog.Version {
	t.Helper()
	v, err := c.Create(catalog.CreateRequest{Name: name, Definition: pythonDef, Zip: pyZip(t, body)})
	if err != nil {
		t.Fatalf("Create(%s): %v", name, err)
	}
	return v
}

// wantCode fails the test unless err is a *catalog.Error with code, whose
// message contains each of words.
func wantCode(t testing.TB, err error, code string, words ...string) {
	t.Helper()
	var cerr *catalog.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error %v (%T), want a *catalog.Error %s", err, err, code)
	}
	if cerr.Code != code {
		t.Fatalf("error %v: code %s, want %s", err, cerr.Code, code)
	}
	for _, w := range words {
		if !strings.Contains(cerr.Message, w) {
			t.Errorf("error %v: message does not say %q", err, w)
		}
	}
}

// zipOf reads the zip a Config runs.
func zipOf(t testing.TB, cfg function.Config) []byte {
	t.Helper()
	if cfg.ZipFile == "" {
		t.Fatalf("%s: no ZipFile", cfg.Key())
	}
	b, err := os.ReadFile(cfg.ZipFile)
	if err != nil {
		t.Fatalf("%s: %v", cfg.Key(), err)
	}
	return b
}

// codeFiles lists the names in dir/code.
func codeFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "code"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func ptr[T any](v T) *T { return &v }

// hexSum is the hex sha256 of b, the name the code store keeps it by.
func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
