package catalog_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// withVersions creates fn and publishes n versions of it, version i
// returning i.
func withVersions(t *testing.T, c *catalog.Catalog, n int) {
	t.Helper()
	create(t, c, "fn", "0")
	for i := 1; i <= n; i++ {
		v, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, fmt.Sprint(i)), Publish: true})
		if err != nil || v.Config.Version != fmt.Sprint(i) {
			t.Fatalf("publish %d: version %s, %v", i, v.Config.Version, err)
		}
	}
}

func TestAlias(t *testing.T) {
	c, _ := open(t)
	withVersions(t, c, 2)
	a, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "1", Description: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "live" || a.FunctionVersion != "1" || a.Description != "prod" || a.RevisionID == "" || a.Weights != nil {
		t.Errorf("CreateAlias: %+v", a)
	}
	got, err := c.GetAlias("fn", "live")
	if err != nil || got.RevisionID != a.RevisionID || got.FunctionVersion != "1" {
		t.Errorf("GetAlias: %+v, %v", got, err)
	}
	cfg, err := c.Lookup("fn", "live")
	if err != nil || cfg.Version != "1" || string(zipOf(t, cfg)) != string(pyZip(t, "1")) {
		t.Errorf("Lookup(fn, live): %s, %v, want version 1", cfg.Key(), err)
	}
	d, err := c.Describe("fn", "live")
	if err != nil || d.Config.Version != "1" {
		t.Errorf("Describe(fn, live): version %s, %v, want 1", d.Config.Version, err)
	}
	_, err = c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "2"})
	wantCode(t, err, catalog.Conflict, "live")

	// UpdateAlias: RevisionID is the alias's.
	_, err = c.UpdateAlias("fn", "live", catalog.AliasUpdate{FunctionVersion: ptr("2"), RevisionID: "stale"})
	wantCode(t, err, catalog.PreconditionFailed)
	u, err := c.UpdateAlias("fn", "live", catalog.AliasUpdate{FunctionVersion: ptr("2"), RevisionID: a.RevisionID})
	if err != nil || u.FunctionVersion != "2" || u.Description != "prod" || u.RevisionID == a.RevisionID {
		t.Fatalf("UpdateAlias: %+v, %v, want version 2, the old description, a new revision", u, err)
	}
	_, err = c.UpdateAlias("fn", "live", catalog.AliasUpdate{Description: ptr("x"), RevisionID: a.RevisionID})
	wantCode(t, err, catalog.PreconditionFailed)
	if cfg, _ := c.Lookup("fn", "live"); cfg.Version != "2" {
		t.Errorf("Lookup(fn, live) after UpdateAlias: version %s, want 2", cfg.Version)
	}
	_, err = c.UpdateAlias("fn", "nope", catalog.AliasUpdate{Description: ptr("x")})
	wantCode(t, err, catalog.NotFound)
	_, err = c.UpdateAlias("fn", "live", catalog.AliasUpdate{FunctionVersion: ptr("7")})
	wantCode(t, err, catalog.NotFound)

	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "edge", FunctionVersion: function.LatestVersion}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "also-2", FunctionVersion: "2"}); err != nil {
		t.Fatal(err)
	}
	list, err := c.Aliases("fn", "")
	if got := aliasNames(list); err != nil || !equal(got, []string{"also-2", "edge", "live"}) {
		t.Errorf("Aliases(fn) = %v, %v", got, err)
	}
	list, err = c.Aliases("fn", "2")
	if got := aliasNames(list); err != nil || !equal(got, []string{"also-2", "live"}) {
		t.Errorf("Aliases(fn, 2) = %v, %v", got, err)
	}
	if cfg, _ := c.Lookup("fn", "edge"); cfg.Version != function.LatestVersion {
		t.Errorf("Lookup(fn, edge): version %s, want $LATEST", cfg.Version)
	}

	if err := c.DeleteAlias("fn", "also-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAlias("fn", "also-2"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetAlias after DeleteAlias: %v, want not found", err)
	}
	if _, err := c.Lookup("fn", "also-2"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup of a deleted alias: %v, want not found", err)
	}
	if err := c.DeleteAlias("fn", "also-2"); err != nil {
		t.Errorf("DeleteAlias of an alias that is gone: %v, want none (as Lambda)", err)
	}
	if _, err := c.GetAlias("nope", "live"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("GetAlias of a missing function: %v, want not found", err)
	}
	if _, err := c.Aliases("nope", ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Aliases of a missing function: %v, want not found", err)
	}
	_, err = c.CreateAlias("nope", catalog.Alias{Name: "a", FunctionVersion: "1"})
	wantCode(t, err, catalog.NotFound)
}

func aliasNames(as []catalog.Alias) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func TestAliasRefused(t *testing.T) {
	c, _ := open(t)
	withVersions(t, c, 3)
	tests := []struct {
		name  string
		alias catalog.Alias
		code  string
	}{
		{"digits only", catalog.Alias{Name: "123", FunctionVersion: "1"}, catalog.InvalidParameter},
		{"leading zero digits", catalog.Alias{Name: "0123", FunctionVersion: "1"}, catalog.InvalidParameter},
		{"empty", catalog.Alias{Name: "", FunctionVersion: "1"}, catalog.InvalidParameter},
		{"too long", catalog.Alias{Name: strings.Repeat("a", 129), FunctionVersion: "1"}, catalog.InvalidParameter},
		{"dot", catalog.Alias{Name: "a.b", FunctionVersion: "1"}, catalog.InvalidParameter},
		{"colon", catalog.Alias{Name: "a:b", FunctionVersion: "1"}, catalog.InvalidParameter},
		{"$LATEST", catalog.Alias{Name: "$LATEST", FunctionVersion: "1"}, catalog.InvalidParameter},
		{"no version", catalog.Alias{Name: "a"}, catalog.InvalidParameter},
		{"missing version", catalog.Alias{Name: "a", FunctionVersion: "9"}, catalog.NotFound},
		{"missing routed version", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"9": 0.5}}, catalog.NotFound},
		{"routes to itself", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"1": 0.5}}, catalog.InvalidParameter},
		{"two extra versions", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"2": 0.1, "3": 0.1}}, catalog.InvalidParameter},
		{"weight above 1", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"2": 1.5}}, catalog.InvalidParameter},
		{"negative weight", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"2": -0.1}}, catalog.InvalidParameter},
		{"NaN weight", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"2": math.NaN()}}, catalog.InvalidParameter},
		{"routes $LATEST", catalog.Alias{Name: "a", FunctionVersion: "1", Weights: map[string]float64{"$LATEST": 0.5}}, catalog.InvalidParameter},
		{"routes from $LATEST", catalog.Alias{Name: "a", FunctionVersion: "$LATEST", Weights: map[string]float64{"1": 0.5}}, catalog.InvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateAlias("fn", tt.alias)
			wantCode(t, err, tt.code)
		})
	}
	if as, _ := c.Aliases("fn", ""); len(as) != 0 {
		t.Errorf("refused aliases were created: %v", aliasNames(as))
	}
	for _, ok := range []string{"a", "A-b_9", "9a", strings.Repeat("x", 128)} {
		if _, err := c.CreateAlias("fn", catalog.Alias{Name: ok, FunctionVersion: "1"}); err != nil {
			t.Errorf("CreateAlias(%q): %v", ok, err)
		}
	}
}

// TestAliasRouting checks that an alias with a routing configuration
// splits Lookups by its weight.
func TestAliasRouting(t *testing.T) {
	c, _ := open(t)
	withVersions(t, c, 2)
	a, err := c.CreateAlias("fn", catalog.Alias{Name: "canary", FunctionVersion: "1", Weights: map[string]float64{"2": 0.3}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Weights["2"] != 0.3 {
		t.Errorf("CreateAlias: weights %v", a.Weights)
	}
	split := func(w float64) {
		t.Helper()
		const n = 10000
		count := map[string]int{}
		for range n {
			cfg, err := c.Lookup("fn", "canary")
			if err != nil {
				t.Fatal(err)
			}
			count[cfg.Version]++
		}
		if count["1"]+count["2"] != n {
			t.Fatalf("Lookups went to %v", count)
		}
		if got := float64(count["2"]) / n; math.Abs(got-w) > 0.03 {
			t.Errorf("weight %v: version 2 got %v of the invokes (%v)", w, got, count)
		}
	}
	split(0.3)
	// Describe and GetAlias do not route: they answer FunctionVersion.
	for range 50 {
		if d, _ := c.Describe("fn", "canary"); d.Config.Version != "1" {
			t.Fatalf("Describe(fn, canary): version %s, want 1 (no routing)", d.Config.Version)
		}
	}
	for _, w := range []float64{0, 1, 0.5} {
		if _, err := c.UpdateAlias("fn", "canary", catalog.AliasUpdate{Weights: map[string]float64{"2": w}}); err != nil {
			t.Fatal(err)
		}
		split(w)
	}
	// An empty Weights removes the routing; nil keeps it.
	if u, err := c.UpdateAlias("fn", "canary", catalog.AliasUpdate{Description: ptr("d")}); err != nil || u.Weights["2"] != 0.5 {
		t.Errorf("UpdateAlias without Weights: %v, %v, want the routing kept", u.Weights, err)
	}
	if u, err := c.UpdateAlias("fn", "canary", catalog.AliasUpdate{Weights: map[string]float64{}}); err != nil || u.Weights != nil {
		t.Errorf("UpdateAlias with empty Weights: %v, %v, want none", u.Weights, err)
	}
	split(0)
}

// TestDeleteVersionOfAlias: a version an alias uses cannot be deleted.
func TestDeleteVersionOfAlias(t *testing.T) {
	c, _ := open(t)
	withVersions(t, c, 3)
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "canary", FunctionVersion: "1", Weights: map[string]float64{"2": 0.1}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.Delete("fn", "1"), catalog.Conflict, "canary, live")
	wantCode(t, c.Delete("fn", "2"), catalog.Conflict, "canary")
	if err := c.Delete("fn", "3"); err != nil {
		t.Fatalf("Delete of a version no alias uses: %v", err)
	}
	if _, err := c.UpdateAlias("fn", "canary", catalog.AliasUpdate{Weights: map[string]float64{}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("fn", "2"); err != nil {
		t.Errorf("Delete of a version once its alias routes no more to it: %v", err)
	}
	vs, _ := c.Versions("fn")
	if got := versionNames(vs); !equal(got, []string{"fn:$LATEST", "fn:1"}) {
		t.Errorf("Versions = %v", got)
	}
}
