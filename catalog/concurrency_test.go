package catalog_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

func TestReservedConcurrency(t *testing.T) {
	c, _ := open(t)
	create(t, c, "a", "1")
	create(t, c, "b", "1")
	if err := c.PutConcurrency("a", 0); err != nil {
		t.Errorf("PutConcurrency(a, 0): %v (0 throttles every invoke, as Lambda)", err)
	}
	if cfg, _ := c.Lookup("a", ""); cfg.ReservedConcurrency == nil || *cfg.ReservedConcurrency != 0 {
		t.Errorf("Lookup(a): reserved %v, want 0", cfg.ReservedConcurrency)
	}
	max := catalog.AccountConcurrency - catalog.MinUnreserved
	if err := c.PutConcurrency("a", max); err != nil {
		t.Fatalf("PutConcurrency(a, %d): %v", max, err)
	}
	wantCode(t, c.PutConcurrency("b", 1), catalog.InvalidParameter, fmt.Sprint(catalog.MinUnreserved))
	wantCode(t, c.PutConcurrency("a", max+1), catalog.InvalidParameter, fmt.Sprint(catalog.MinUnreserved))
	wantCode(t, c.PutConcurrency("a", -1), catalog.InvalidParameter)
	// Its own old reservation does not count against a function.
	if err := c.PutConcurrency("a", max-10); err != nil {
		t.Fatal(err)
	}
	if err := c.PutConcurrency("b", 10); err != nil {
		t.Errorf("PutConcurrency(b, 10) with %d left: %v", 10, err)
	}
	d, _ := c.Describe("b", "")
	if d.Reserved == nil || *d.Reserved != 10 || d.Config.ReservedConcurrency == nil || *d.Config.ReservedConcurrency != 10 {
		t.Errorf("Describe(b): reserved %v / %v, want 10", d.Reserved, d.Config.ReservedConcurrency)
	}
	if err := c.DeleteConcurrency("a"); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := c.Lookup("a", ""); cfg.ReservedConcurrency != nil {
		t.Errorf("Lookup(a) after DeleteConcurrency: reserved %d", *cfg.ReservedConcurrency)
	}
	if err := c.PutConcurrency("b", max); err != nil {
		t.Errorf("PutConcurrency(b, %d) once a's is deleted: %v", max, err)
	}
	if err := c.PutConcurrency("nope", 1); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("PutConcurrency(nope): %v, want not found", err)
	}
}

// TestReservedConcurrencyCountsStatic: read-only functions' reservations
// count against the account too.
func TestReservedConcurrencyCountsStatic(t *testing.T) {
	c, _ := open(t)
	setStatic(t, c, functionsDir(t)) // warm reserves 300
	create(t, c, "a", "1")
	limit := catalog.AccountConcurrency - catalog.MinUnreserved - 300
	wantCode(t, c.PutConcurrency("a", limit+1), catalog.InvalidParameter)
	if err := c.PutConcurrency("a", limit); err != nil {
		t.Errorf("PutConcurrency(a, %d): %v", limit, err)
	}
}

func TestProvisionedConcurrency(t *testing.T) {
	c, _ := open(t)
	withVersions(t, c, 2)
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "edge", FunctionVersion: function.LatestVersion}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", function.LatestVersion, "edge"} {
		_, err := c.PutProvisioned("fn", q, 1)
		wantCode(t, err, catalog.InvalidParameter, "unpublished")
	}
	_, err := c.PutProvisioned("fn", "1", 0)
	wantCode(t, err, catalog.InvalidParameter)
	_, err = c.PutProvisioned("fn", "9", 1)
	wantCode(t, err, catalog.NotFound)
	_, err = c.PutProvisioned("fn", "nope", 1)
	wantCode(t, err, catalog.NotFound)
	_, err = c.GetProvisioned("fn", "1")
	wantCode(t, err, catalog.ProvisionedNotFound)
	wantCode(t, c.DeleteProvisioned("fn", "1"), catalog.ProvisionedNotFound)

	p, err := c.PutProvisioned("fn", "live", 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Qualifier != "live" || p.Requested != 3 || p.Config.Version != "1" || p.Config.ProvisionedConcurrency != 3 || p.LastModified.IsZero() {
		t.Errorf("PutProvisioned(fn, live): %+v", p)
	}
	if _, err := c.PutProvisioned("fn", "2", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProvisioned("fn", "1", 1); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetProvisioned("fn", "2")
	if err != nil || got.Requested != 2 || got.Config.Version != "2" {
		t.Errorf("GetProvisioned(fn, 2): %+v, %v", got, err)
	}
	list, err := c.ListProvisioned("fn")
	var qs []string
	for _, p := range list {
		qs = append(qs, p.Qualifier)
	}
	if err != nil || !equal(qs, []string{"1", "2", "live"}) {
		t.Errorf("ListProvisioned = %v, %v", qs, err)
	}
	// What the daemon keeps warm: version 1 for live and for itself (3+1),
	// version 2.
	if got := provisioned(c); got != "fn:1=4 fn:2=2" {
		t.Errorf("Provisioned() = %s, want fn:1=4 fn:2=2", got)
	}
	// An alias with provisioned concurrency cannot move to $LATEST either.
	_, err = c.UpdateAlias("fn", "live", catalog.AliasUpdate{FunctionVersion: ptr(function.LatestVersion)})
	wantCode(t, err, catalog.InvalidParameter, "Provisioned")
	// An alias's provisioned concurrency follows it to its new version.
	if _, err := c.UpdateAlias("fn", "live", catalog.AliasUpdate{FunctionVersion: ptr("2")}); err != nil {
		t.Fatal(err)
	}
	if got := provisioned(c); got != "fn:1=1 fn:2=5" {
		t.Errorf("Provisioned() after live moved to 2 = %s, want fn:1=1 fn:2=5", got)
	}
	if err := c.DeleteProvisioned("fn", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProvisioned("fn", "1"); err == nil {
		t.Error("GetProvisioned(fn, 1) after DeleteProvisioned succeeded")
	}
	// Deleting the alias deletes its configuration.
	if err := c.DeleteAlias("fn", "live"); err != nil {
		t.Fatal(err)
	}
	if got := provisioned(c); got != "fn:2=2" {
		t.Errorf("Provisioned() after DeleteAlias(live) = %s, want fn:2=2", got)
	}
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProvisioned("fn", "live"); err == nil {
		t.Error("an alias created again has its old provisioned concurrency")
	}
	if _, err := c.ListProvisioned("nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("ListProvisioned(nope): %v, want not found", err)
	}
}

// TestProvisionedWithinReserved: a function's provisioned concurrency
// fits in its reserved concurrency, as Lambda requires.
func TestProvisionedWithinReserved(t *testing.T) {
	c, _ := open(t)
	withVersions(t, c, 2)
	if err := c.PutConcurrency("fn", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutProvisioned("fn", "1", 3); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutProvisioned("fn", "2", 3)
	wantCode(t, err, catalog.InvalidParameter, "reserved")
	if _, err := c.PutProvisioned("fn", "2", 2); err != nil {
		t.Errorf("PutProvisioned(fn, 2, 2) within 5 reserved: %v", err)
	}
	// Replacing a configuration counts its new value, not old and new.
	if _, err := c.PutProvisioned("fn", "1", 2); err != nil {
		t.Errorf("PutProvisioned(fn, 1, 2) replacing 3: %v", err)
	}
	// And the reservation cannot shrink below what is provisioned (4).
	wantCode(t, c.PutConcurrency("fn", 3), catalog.InvalidParameter, "provisioned")
	if err := c.PutConcurrency("fn", 4); err != nil {
		t.Errorf("PutConcurrency(fn, 4) with 4 provisioned: %v", err)
	}
}

// provisioned is Provisioned() as "name:version=n …".
func provisioned(c *catalog.Catalog) string {
	var out []string
	for _, cfg := range c.Provisioned() {
		out = append(out, fmt.Sprintf("%s:%s=%d", cfg.Name, cfg.Version, cfg.ProvisionedConcurrency))
	}
	return strings.Join(out, " ")
}

func TestTags(t *testing.T) {
	c, _ := open(t)
	if _, err := c.Create(catalog.CreateRequest{Name: "fn", Definition: pythonDef, Zip: pyZip(t, "1"),
		Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Tag("fn", map[string]string{"b": "two", "c": ""}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.Tags("fn")
	if err != nil || len(tags) != 3 || tags["a"] != "1" || tags["b"] != "two" || tags["c"] != "" {
		t.Errorf("Tags after Tag: %v, %v", tags, err)
	}
	tags["a"] = "changed"
	if again, _ := c.Tags("fn"); again["a"] != "1" {
		t.Error("changing the map Tags returned changed the function's tags")
	}
	if err := c.Untag("fn", []string{"a", "not-there"}); err != nil {
		t.Fatal(err)
	}
	if tags, _ := c.Tags("fn"); len(tags) != 2 || tags["a"] != "" {
		t.Errorf("Tags after Untag: %v", tags)
	}
	if d, _ := c.Describe("fn", ""); d.Tags["b"] != "two" {
		t.Errorf("Describe: tags %v", d.Tags)
	}

	many := map[string]string{}
	for i := range 48 {
		many[fmt.Sprint("k", i)] = "v"
	}
	if err := c.Tag("fn", many); err != nil {
		t.Errorf("Tag to 50 tags: %v", err)
	}
	wantCode(t, c.Tag("fn", map[string]string{"one-more": "v"}), catalog.InvalidParameter, "50")
	tests := map[string]map[string]string{
		"empty key":     {"": "v"},
		"long key":      {strings.Repeat("k", 129): "v"},
		"long value":    {"k": strings.Repeat("v", 257)},
		"aws: prefix":   {"aws:k": "v"},
		"AWS: any case": {"AWS:k": "v"},
	}
	for name, tags := range tests {
		if err := c.Untag("fn", []string{"k0", "k1"}); err != nil {
			t.Fatal(err)
		}
		err := c.Tag("fn", tags)
		if err == nil {
			t.Errorf("Tag %s: accepted", name)
			continue
		}
		wantCode(t, err, catalog.InvalidParameter)
	}
	if err := c.Tag("fn", map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256)}); err != nil {
		t.Errorf("Tag of the longest key and value: %v", err)
	}
	if _, err := c.Tags("nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Tags(nope): %v, want not found", err)
	}
	if err := c.Tag("nope", map[string]string{"a": "b"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Tag(nope): %v, want not found", err)
	}
}
