package catalog_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
	bolt "go.etcd.io/bbolt"
)

// TestReopen checks that everything a catalog was told is there when it is
// opened again.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	c, err := catalog.Open(options(dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	withVersions(t, c, 2)
	if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "latest")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "1", Description: "d",
		Weights: map[string]float64{"2": 0.25}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Tag("fn", map[string]string{"team": "a"}); err != nil {
		t.Fatal(err)
	}
	if err := c.PutConcurrency("fn", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProvisioned("fn", "live", 2); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("fn", "1"); err == nil {
		t.Fatal("Delete of version 1 that an alias uses succeeded")
	}
	img, err := c.Create(catalog.CreateRequest{Name: "img", Definition: []byte(`{"PackageType":"Image"}`), ImageURI: "repo/img:1"})
	if err != nil {
		t.Fatal(err)
	}
	before := c.List(true)
	aliasBefore, _ := c.GetAlias("fn", "live")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c = openAt(t, options(dir, nil))
	after := c.List(true)
	if got, want := versionNames(after), versionNames(before); !equal(got, want) {
		t.Fatalf("List(true) after reopen = %v, want %v", got, want)
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.Config.RevisionID != b.Config.RevisionID || a.CodeSHA256 != b.CodeSHA256 || a.CodeSize != b.CodeSize ||
			!a.LastModified.Equal(b.LastModified) || a.Description != b.Description || a.Err != nil {
			t.Errorf("%s:%s after reopen: %+v, was %+v", a.Config.Name, a.Config.Version, a, b)
		}
	}
	for q, body := range map[string]string{"": "latest", function.LatestVersion: "latest", "1": "1", "2": "2"} {
		cfg, err := c.Lookup("fn", q)
		if err != nil {
			t.Fatalf("Lookup(fn, %q) after reopen: %v", q, err)
		}
		if !bytes.Equal(zipOf(t, cfg), pyZip(t, body)) {
			t.Errorf("Lookup(fn, %q) after reopen runs the wrong zip", q)
		}
		if cfg.ReservedConcurrency == nil || *cfg.ReservedConcurrency != 7 {
			t.Errorf("Lookup(fn, %q) after reopen: reserved concurrency %v, want 7", q, cfg.ReservedConcurrency)
		}
	}
	if cfg, err := c.Lookup("img", ""); err != nil || cfg.ImageURI != "repo/img:1" || cfg.RevisionID != img.Config.RevisionID {
		t.Errorf("Lookup(img) after reopen: %+v, %v", cfg, err)
	}
	a, err := c.GetAlias("fn", "live")
	if err != nil || a.FunctionVersion != "1" || a.Description != "d" || a.Weights["2"] != 0.25 || a.RevisionID != aliasBefore.RevisionID {
		t.Errorf("GetAlias after reopen: %+v, %v, want %+v", a, err, aliasBefore)
	}
	if tags, err := c.Tags("fn"); err != nil || tags["team"] != "a" || len(tags) != 1 {
		t.Errorf("Tags after reopen: %v, %v", tags, err)
	}
	p, err := c.GetProvisioned("fn", "live")
	if err != nil || p.Requested != 2 || p.Config.Version != "1" {
		t.Errorf("GetProvisioned after reopen: %+v, %v", p, err)
	}
	// Version numbers go on from the last one, as before.
	v, err := c.Publish("fn", "", "", "")
	if err != nil || v.Config.Version != "3" {
		t.Errorf("Publish after reopen: version %s, %v, want 3", v.Config.Version, err)
	}
}

// TestReopenPrunesCode checks that zips no version uses, and temporary
// files a crash left, are removed at Open, and the others kept.
func TestReopenPrunesCode(t *testing.T) {
	dir := t.TempDir()
	c, err := catalog.Open(options(dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	create(t, c, "fn", "1")
	if _, err := c.Publish("fn", "", "", ""); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"2", "3"} {
		if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, body)}); err != nil {
			t.Fatal(err)
		}
	}
	create(t, c, "gone", "gone")
	if err := c.Delete("gone", ""); err != nil {
		t.Fatal(err)
	}
	c.Close()
	codeDir := filepath.Join(dir, "code")
	if err := os.WriteFile(filepath.Join(codeDir, ".tmp-123"), []byte("torn"), 0o600); err != nil {
		t.Fatal(err)
	}

	c = openAt(t, options(dir, nil))
	var want []string
	for _, body := range []string{"1", "3"} { // version 1's and $LATEST's
		want = append(want, hexSum(pyZip(t, body))+".zip")
	}
	slices.Sort(want)
	if got := codeFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("code after reopen: %v, want %v", got, want)
	}
	for _, q := range []string{"", "1"} {
		if cfg, err := c.Lookup("fn", q); err != nil {
			t.Errorf("Lookup(fn, %q) after pruning: %v", q, err)
		} else {
			zipOf(t, cfg)
		}
	}
}

// TestReopenMissingZip: a zip lost from the store leaves its function
// broken, with a reason, not the catalog unopenable; new code repairs it.
func TestReopenMissingZip(t *testing.T) {
	dir := t.TempDir()
	c, err := catalog.Open(options(dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	create(t, c, "fn", "1")
	if _, err := c.Publish("fn", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProvisioned("fn", "1", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProvisioned("fn", "live", 1); err != nil {
		t.Fatal(err)
	}
	create(t, c, "ok", "2")
	c.Close()
	if err := os.Remove(filepath.Join(dir, "code", hexSum(pyZip(t, "1"))+".zip")); err != nil {
		t.Fatal(err)
	}

	ev := &events{}
	c = openAt(t, options(dir, ev))
	for _, q := range []string{"", "1", "live"} {
		if _, err := c.Lookup("fn", q); err == nil || errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Lookup(fn, %q) of a lost zip: %v, want why it cannot run", q, err)
		}
	}
	if _, err := c.Lookup("ok", ""); err != nil {
		t.Errorf("Lookup(ok): %v: another function's lost zip broke it", err)
	}
	if b := c.Broken(); b["fn"] == nil || len(b) != 1 {
		t.Errorf("Broken() = %v, want fn", b)
	}
	if ps := c.Provisioned(); len(ps) != 0 {
		t.Errorf("Provisioned() holds %d configs, but the only provisioned version's code is lost: %+v", len(ps), ps)
	}
	p, err := c.GetProvisioned("fn", "live")
	if err != nil || p.Config.Name != "fn" || p.Config.Version != "1" || p.Requested != 1 {
		t.Errorf("GetProvisioned(fn, live) of a lost zip: %s requested %d, %v; want fn:1 and 1", p.Config.Key(), p.Requested, err)
	}
	// New code repairs $LATEST, and the broken revision is retired by its
	// key.
	d, _ := c.Describe("fn", "")
	if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "3")}); err != nil {
		t.Fatal(err)
	}
	if retired, _ := ev.take(); !slices.Equal(retired, []string{d.Config.Key()}) {
		t.Errorf("UpdateCode of a broken $LATEST retired %q, want %s", retired, d.Config.Key())
	}
	if _, err := c.Lookup("fn", ""); err != nil {
		t.Errorf("Lookup(fn) after UpdateCode: %v", err)
	}
}

// TestOpenRefused: a database of another format, or one another lambdad
// holds, is refused with a reason.
func TestOpenRefused(t *testing.T) {
	dir := t.TempDir()
	c := openAt(t, options(dir, nil))
	if _, err := catalog.Open(options(dir, nil)); err == nil || !strings.Contains(err.Error(), "another lambdad") {
		t.Errorf("a second Open of one directory: %v, want it refused", err)
	}
	c.Close()

	db, err := bolt.Open(filepath.Join(dir, "catalog.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := catalog.Open(options(dir, nil)); err == nil || !strings.Contains(err.Error(), `"99"`) {
		t.Errorf("Open of a database of format 99: %v, want it refused", err)
	}
}
