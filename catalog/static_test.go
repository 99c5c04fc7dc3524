package catalog_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// functionsDir is a functions directory: hello (a Python handler.py),
// warm (with a function.json asking for provisioned and reserved
// concurrency) and broken (a function.json that does not parse).
func functionsDir(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"hello/handler.py":     "def handler(event, context):\n    return 1\n",
		"warm/handler.py":      "def handler(event, context):\n    return 2\n",
		"warm/function.json":   `{"Runtime":"python3.12","Handler":"handler.handler","ProvisionedConcurrency":2,"ReservedConcurrentExecutions":300}`,
		"broken/function.json": `{"Runtime":`,
	}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// setStatic loads root and makes its functions c's read-only ones.
func setStatic(t *testing.T, c *catalog.Catalog, root string) {
	t.Helper()
	fns, errs, err := function.LoadAll(root)
	if err != nil {
		t.Fatal(err)
	}
	c.SetStatic(fns, errs, nil)
}

func TestStatic(t *testing.T) {
	c, _ := open(t)
	root := functionsDir(t)
	setStatic(t, c, root)
	create(t, c, "api", "1")

	if got, want := versionNames(c.List(false)), []string{"api:$LATEST", "hello:$LATEST", "warm:$LATEST"}; !equal(got, want) {
		t.Errorf("List(false) = %v, want %v", got, want)
	}
	if got, want := versionNames(c.List(true)), []string{"api:$LATEST", "hello:$LATEST", "warm:$LATEST"}; !equal(got, want) {
		t.Errorf("List(true) = %v, want %v", got, want)
	}
	cfg, err := c.Lookup("hello", "")
	if err != nil || cfg.Version != function.LatestVersion || cfg.RevisionID == "" || cfg.CodeDir != filepath.Join(root, "hello") {
		t.Errorf("Lookup(hello): %+v, %v", cfg, err)
	}
	if cfg2, _ := c.Lookup("hello", function.LatestVersion); cfg2.Key() != cfg.Key() {
		t.Errorf("Lookup(hello, $LATEST) = %s, Lookup(hello) = %s", cfg2.Key(), cfg.Key())
	}
	for _, q := range []string{"1", "live"} {
		if _, err := c.Lookup("hello", q); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Lookup(hello, %s): %v, want not found", q, err)
		}
		if _, err := c.Describe("hello", q); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Describe(hello, %s): %v, want not found", q, err)
		}
	}
	d, err := c.Describe("hello", "")
	if err != nil || d.ReadOnly != filepath.Join(root, "hello") || d.CodeSHA256 == "" || d.CodeSize == 0 ||
		d.CodeLocation != "file://"+filepath.Join(root, "hello") || d.LastModified.IsZero() {
		t.Errorf("Describe(hello): %+v, %v", d, err)
	}
	w, _ := c.Describe("warm", "")
	if w.ReadOnly != filepath.Join(root, "warm", "function.json") || w.Reserved == nil || *w.Reserved != 300 {
		t.Errorf("Describe(warm): read-only %q reserved %v", w.ReadOnly, w.Reserved)
	}
	if _, err := c.Lookup("broken", ""); err == nil || errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup(broken): %v, want why it does not load", err)
	}
	if b := c.Broken(); len(b) != 1 || b["broken"] == nil {
		t.Errorf("Broken() = %v, want broken", b)
	}
	if vs, err := c.Versions("hello"); err != nil || len(vs) != 1 || vs[0].ReadOnly == "" {
		t.Errorf("Versions(hello) = %v, %v", versionNames(vs), err)
	}
	if as, err := c.Aliases("hello", ""); err != nil || len(as) != 0 {
		t.Errorf("Aliases(hello) = %v, %v", as, err)
	}
	if tags, err := c.Tags("hello"); err != nil || len(tags) != 0 {
		t.Errorf("Tags(hello) = %v, %v", tags, err)
	}
	if ps, err := c.ListProvisioned("hello"); err != nil || len(ps) != 0 {
		t.Errorf("ListProvisioned(hello) = %v, %v", ps, err)
	}
	if _, err := c.GetAlias("hello", "live"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetAlias(hello, live): %v, want not found", err)
	}
	ps := c.Provisioned()
	if len(ps) != 1 || ps[0].Name != "warm" || ps[0].ProvisionedConcurrency != 2 {
		t.Errorf("Provisioned() = %+v, want warm with 2", ps)
	}
}

// TestStaticReadOnly: the API changes no read-only function, and says
// where it is defined.
func TestStaticReadOnly(t *testing.T) {
	ev := &events{}
	c := openAt(t, options(t.TempDir(), ev))
	root := functionsDir(t)
	setStatic(t, c, root)
	before, _ := c.Lookup("warm", "")
	ev.take()
	where := filepath.Join(root, "warm", "function.json")
	changes := map[string]func() error{
		"UpdateCode": func() error { _, err := c.UpdateCode("warm", catalog.CodeUpdate{Zip: pyZip(t, "1")}); return err },
		"UpdateConfig": func() error {
			_, err := c.UpdateConfig("warm", map[string]json.RawMessage{"Timeout": json.RawMessage("9")}, nil, "")
			return err
		},
		"Publish": func() error { _, err := c.Publish("warm", "", "", ""); return err },
		"Delete":  func() error { return c.Delete("warm", "") },
		"CreateAlias": func() error {
			_, err := c.CreateAlias("warm", catalog.Alias{Name: "a", FunctionVersion: "$LATEST"})
			return err
		},
		"UpdateAlias":       func() error { _, err := c.UpdateAlias("warm", "a", catalog.AliasUpdate{}); return err },
		"DeleteAlias":       func() error { return c.DeleteAlias("warm", "a") },
		"Tag":               func() error { return c.Tag("warm", map[string]string{"a": "b"}) },
		"Untag":             func() error { return c.Untag("warm", []string{"a"}) },
		"PutConcurrency":    func() error { return c.PutConcurrency("warm", 1) },
		"DeleteConcurrency": func() error { return c.DeleteConcurrency("warm") },
		"PutProvisioned":    func() error { _, err := c.PutProvisioned("warm", "1", 1); return err },
		"DeleteProvisioned": func() error { return c.DeleteProvisioned("warm", "1") },
		"Create": func() error {
			_, err := c.Create(catalog.CreateRequest{Name: "warm", Definition: pythonDef, Zip: pyZip(t, "1")})
			return err
		},
	}
	for name, change := range changes {
		err := change()
		if name == "Create" {
			wantCode(t, err, catalog.Conflict, "warm")
		} else {
			wantCode(t, err, catalog.Conflict, where)
		}
	}
	// A function that does not load is defined by its directory all the
	// same: the API does not take its name.
	_, err := c.Create(catalog.CreateRequest{Name: "broken", Definition: pythonDef, Zip: pyZip(t, "1")})
	wantCode(t, err, catalog.Conflict, "broken")
	if after, err := c.Lookup("warm", ""); err != nil || after.Key() != before.Key() {
		t.Errorf("refused changes changed warm: %s, %v", after.Key(), err)
	}
	if retired, n := ev.take(); len(retired) != 0 || n != 0 {
		t.Errorf("refused changes retired %v, made %d changes", retired, n)
	}
}

// TestSetStaticRetires: a read-only function that goes or changes is
// retired; one that stays as it was is not.
func TestSetStaticRetires(t *testing.T) {
	ev := &events{}
	c := openAt(t, options(t.TempDir(), ev))
	root := functionsDir(t)
	setStatic(t, c, root)
	hello, _ := c.Lookup("hello", "")
	warm, _ := c.Lookup("warm", "")
	if _, n := ev.take(); n != 1 {
		t.Errorf("SetStatic: %d changes, want 1", n)
	}
	setStatic(t, c, root)
	if retired, n := ev.take(); len(retired) != 0 || n != 1 {
		t.Errorf("SetStatic of the same functions retired %v (%d changes), want nothing", retired, n)
	}
	if again, _ := c.Lookup("hello", ""); again.Key() != hello.Key() {
		t.Errorf("SetStatic of the same directory changed hello's key: %s, was %s", again.Key(), hello.Key())
	}
	if err := os.RemoveAll(filepath.Join(root, "hello")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "warm", "function.json"), []byte(`{"Runtime":"python3.12","Handler":"handler.handler","Timeout":30}`), 0o644); err != nil {
		t.Fatal(err)
	}
	setStatic(t, c, root)
	retired, _ := ev.take()
	slices.Sort(retired)
	want := []string{hello.Key(), warm.Key()}
	slices.Sort(want)
	if !slices.Equal(retired, want) {
		t.Errorf("SetStatic after hello went and warm changed retired %v, want %v", retired, want)
	}
	if cfg, err := c.Lookup("warm", ""); err != nil || cfg.Timeout != 30 || cfg.Key() == warm.Key() {
		t.Errorf("Lookup(warm) after its change: %s timeout %d, %v", cfg.Key(), cfg.Timeout, err)
	}
	if _, err := c.Lookup("hello", ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup(hello) after it went: %v, want not found", err)
	}
}

// TestStaticShadowed: a read-only function that a reload brings under a
// name the API already has is not served while the API's function is.
func TestStaticShadowed(t *testing.T) {
	c, _ := open(t)
	api := create(t, c, "hello", `"api"`)
	root := functionsDir(t)
	setStatic(t, c, root)
	cfg, err := c.Lookup("hello", "")
	if err != nil || cfg.RevisionID != api.Config.RevisionID {
		t.Errorf("Lookup(hello): %s, %v, want the API's function %s", cfg.Key(), err, api.Config.Key())
	}
	if got, want := versionNames(c.List(true)), []string{"hello:$LATEST", "warm:$LATEST"}; !equal(got, want) {
		t.Errorf("List(true) = %v, want %v (hello once)", got, want)
	}
	if d, _ := c.Describe("hello", ""); d.ReadOnly != "" {
		t.Errorf("Describe(hello): read-only %q, want the API's function", d.ReadOnly)
	}
	if b := c.Broken(); b["hello"] == nil || !strings.Contains(b["hello"].Error(), "created through the API") {
		t.Errorf("Broken() = %v, want hello's read-only one said not served", b)
	}
	// The API's function can change and go.
	if _, err := c.UpdateCode("hello", catalog.CodeUpdate{Zip: pyZip(t, "2")}); err != nil {
		t.Errorf("UpdateCode(hello): %v", err)
	}
	if err := c.Delete("hello", ""); err != nil {
		t.Fatal(err)
	}
	// Then the directory's is what the name means.
	cfg, err = c.Lookup("hello", "")
	if err != nil || cfg.CodeDir != filepath.Join(root, "hello") {
		t.Errorf("Lookup(hello) once the API's is deleted: %+v, %v, want the directory's", cfg, err)
	}
	if b := c.Broken(); b["hello"] != nil {
		t.Errorf("Broken() = %v once the API's hello is deleted", b)
	}
	if got, want := versionNames(c.List(false)), []string{"hello:$LATEST", "warm:$LATEST"}; !equal(got, want) {
		t.Errorf("List(false) = %v, want %v", got, want)
	}
}

// TestStaticInMemory: a catalog without a directory serves read-only
// functions and refuses every change with a reason.
func TestStaticInMemory(t *testing.T) {
	c := openAt(t, catalog.Options{Loader: function.Loader{}})
	setStatic(t, c, functionsDir(t))
	if _, err := c.Lookup("hello", ""); err != nil {
		t.Errorf("Lookup(hello): %v", err)
	}
	if got := versionNames(c.List(true)); !equal(got, []string{"hello:$LATEST", "warm:$LATEST"}) {
		t.Errorf("List(true) = %v", got)
	}
	_, err := c.Create(catalog.CreateRequest{Name: "new", Definition: pythonDef, Zip: pyZip(t, "1")})
	wantCode(t, err, catalog.Service, "keeps no state")
	_, err = c.UpdateCode("hello", catalog.CodeUpdate{Zip: pyZip(t, "1")})
	wantCode(t, err, catalog.Service, "keeps no state")
	wantCode(t, c.Tag("hello", map[string]string{"a": "b"}), catalog.Service, "keeps no state")
	wantCode(t, c.Delete("nope", ""), catalog.Service, "keeps no state")
	if _, err := c.Lookup("new", ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup(new): %v, want not found", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// A read-only function's alias (a template's AutoPublishAlias) names its
// only version: invokes, Describe, GetAlias and Aliases know it; other
// qualifiers are not found.
func TestStaticAlias(t *testing.T) {
	c, _ := open(t)
	fns, errs, err := function.LoadAll(functionsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	c.SetStatic(fns, errs, map[string]string{"hello": "live"})
	cfg, err := c.Lookup("hello", "live")
	if err != nil || cfg.Name != "hello" || cfg.Version != function.LatestVersion {
		t.Errorf("Lookup(hello, live) = %+v, %v", cfg, err)
	}
	if _, err := c.Describe("hello", "live"); err != nil {
		t.Errorf("Describe(hello, live): %v", err)
	}
	if a, err := c.GetAlias("hello", "live"); err != nil || a.FunctionVersion != function.LatestVersion || a.RevisionID != cfg.RevisionID {
		t.Errorf("GetAlias(hello, live) = %+v, %v", a, err)
	}
	if as, err := c.Aliases("hello", ""); err != nil || len(as) != 1 || as[0].Name != "live" {
		t.Errorf("Aliases(hello) = %+v, %v", as, err)
	}
	for _, q := range []string{"other", "1"} {
		if _, err := c.Lookup("hello", q); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Lookup(hello, %s): %v, want not found", q, err)
		}
	}
	if _, err := c.GetAlias("warm", "live"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetAlias(warm, live): %v, want not found", err)
	}
}

// Configs lists what List does, as Configs: the same versions in the same
// order, reserved concurrency included.
func TestConfigsAsList(t *testing.T) {
	c, _ := open(t)
	setStatic(t, c, functionsDir(t))
	create(t, c, "api", "1")
	if _, err := c.Publish("api", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.PutConcurrency("api", 7); err != nil {
		t.Fatal(err)
	}
	for _, all := range []bool{false, true} {
		var want []string
		for _, v := range c.List(all) {
			want = append(want, fmt.Sprintf("%s %v", v.Config.Key(), v.Config.ReservedConcurrency != nil && *v.Config.ReservedConcurrency == 7))
		}
		var got []string
		for _, cfg := range c.Configs(all) {
			got = append(got, fmt.Sprintf("%s %v", cfg.Key(), cfg.ReservedConcurrency != nil && *cfg.ReservedConcurrency == 7))
		}
		if !equal(got, want) || len(got) < 3 {
			t.Errorf("Configs(%v) = %v, List's %v", all, got, want)
		}
	}
}
