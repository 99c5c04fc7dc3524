package catalog_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

func TestDelete(t *testing.T) {
	ev := &events{}
	c := openAt(t, options(t.TempDir(), ev))
	withVersions(t, c, 2)
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "2"}); err != nil {
		t.Fatal(err)
	}

	v1, _ := c.Lookup("fn", "1")
	v2, _ := c.Lookup("fn", "2")
	ev.take()

	wantCode(t, c.Delete("fn", function.LatestVersion), catalog.InvalidParameter, "$LATEST")
	wantCode(t, c.Delete("fn", "live"), catalog.InvalidParameter, "DeleteAlias")
	err := c.Delete("fn", "7")
	wantCode(t, err, catalog.NotFound)
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Delete(fn, 7): %v does not match ErrNotFound", err)
	}
	wantCode(t, c.Delete("fn", "no-alias"), catalog.NotFound)
	if retired, changes := ev.take(); len(retired) != 0 || changes != 0 {
		t.Errorf("refused deletes retired %v and made %d changes", retired, changes)
	}

	if err := c.Delete("fn", "1"); err != nil {
		t.Fatal(err)
	}
	if retired, changes := ev.take(); !slices.Equal(retired, []string{v1.Key()}) || changes != 1 {
		t.Errorf("Delete(fn, 1) retired %v (%d changes), want %s", retired, changes, v1.Key())
	}
	if _, err := c.Lookup("fn", "1"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup of a deleted version: %v, want not found", err)
	}
	if _, err := c.Describe("fn", "1"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Describe of a deleted version: %v, want not found", err)
	}
	// Numbers are not reused.
	v, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "3"), Publish: true})
	if err != nil || v.Config.Version != "3" {
		t.Errorf("publish after deleting version 1: version %s, %v, want 3", v.Config.Version, err)
	}
	latest3, _ := c.Lookup("fn", "")
	v3, _ := c.Lookup("fn", "3")
	ev.take()

	if err := c.Delete("fn", ""); err != nil {
		t.Fatal(err)
	}
	retired, changes := ev.take()
	slices.Sort(retired)
	want := []string{latest3.Key(), v2.Key(), v3.Key()}
	slices.Sort(want)
	if !slices.Equal(retired, want) || changes != 1 {
		t.Errorf("Delete(fn) retired %v (%d changes), want %v", retired, changes, want)
	}
	for _, q := range []string{"", "2", "live"} {
		_, err := c.Lookup("fn", q)
		var cerr *catalog.Error
		if !errors.As(err, &cerr) || cerr.Code != catalog.NotFound || !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Lookup(fn, %q) after Delete: %v, want a *catalog.Error %s", q, err, catalog.NotFound)
		}
	}
	if l := c.List(true); len(l) != 0 {
		t.Errorf("List after Delete: %v", versionNames(l))
	}
	err = c.Delete("fn", "")
	wantCode(t, err, catalog.NotFound)
	// The name is free again.
	create(t, c, "fn", "new")
	if vs, _ := c.Versions("fn"); len(vs) != 1 {
		t.Errorf("a function created again has old versions: %v", versionNames(vs))
	}
	if _, err := c.GetAlias("fn", "live"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("a function created again has the old alias: %v", err)
	}
}

// TestRetireOnChange checks OnRetire and OnChange on changes of $LATEST.
func TestRetireOnChange(t *testing.T) {
	ev := &events{}
	c := openAt(t, options(t.TempDir(), ev))
	create(t, c, "fn", "1")
	if _, changes := ev.take(); changes != 1 {
		t.Errorf("Create: %d changes, want 1", changes)
	}
	old, _ := c.Lookup("fn", "")
	if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "2")}); err != nil {
		t.Fatal(err)
	}
	if retired, changes := ev.take(); !slices.Equal(retired, []string{old.Key()}) || changes != 1 {
		t.Errorf("UpdateCode retired %v (%d changes), want [%s]", retired, changes, old.Key())
	}
	old, _ = c.Lookup("fn", "")
	if _, err := c.UpdateConfig("fn", nil, ptr("d"), ""); err != nil {
		t.Fatal(err)
	}
	if retired, changes := ev.take(); !slices.Equal(retired, []string{old.Key()}) || changes != 1 {
		t.Errorf("UpdateConfig retired %v (%d changes), want [%s]", retired, changes, old.Key())
	}
	// Publishing, aliases, tags and concurrency change no running code.
	steps := map[string]func() error{
		"Publish": func() error { _, err := c.Publish("fn", "", "", ""); return err },
		"CreateAlias": func() error {
			_, err := c.CreateAlias("fn", catalog.Alias{Name: "a", FunctionVersion: "1"})
			return err
		},
		"Tag":            func() error { return c.Tag("fn", map[string]string{"k": "v"}) },
		"PutConcurrency": func() error { return c.PutConcurrency("fn", 5) },
		"PutProvisioned": func() error { _, err := c.PutProvisioned("fn", "a", 1); return err },
	}
	for _, name := range []string{"Publish", "CreateAlias", "Tag", "PutConcurrency", "PutProvisioned"} {
		if err := steps[name](); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if retired, changes := ev.take(); len(retired) != 0 || changes != 1 {
			t.Errorf("%s retired %v (%d changes), want nothing retired and 1 change", name, retired, changes)
		}
	}
}
