package catalog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// TestRevisionID checks RevisionID's optimistic concurrency: a change
// naming a stale revision is refused, one naming the current one gets a
// new revision.
func TestRevisionID(t *testing.T) {
	c, _ := open(t)
	v := create(t, c, "fn", "1")
	stale := v.Config.RevisionID

	u, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "2"), RevisionID: stale})
	if err != nil {
		t.Fatalf("UpdateCode with the current revision: %v", err)
	}
	if u.Config.RevisionID == stale || u.Config.RevisionID == "" {
		t.Fatalf("UpdateCode: revision %q, want a new one", u.Config.RevisionID)
	}
	cur := u.Config.RevisionID

	_, err = c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "3"), RevisionID: stale})
	wantCode(t, err, catalog.PreconditionFailed)
	_, err = c.UpdateConfig("fn", map[string]json.RawMessage{"Timeout": json.RawMessage("10")}, nil, stale)
	wantCode(t, err, catalog.PreconditionFailed)
	_, err = c.Publish("fn", "", "", stale)
	wantCode(t, err, catalog.PreconditionFailed)
	if cfg, err := c.Lookup("fn", ""); err != nil || cfg.RevisionID != cur || !bytes.Equal(zipOf(t, cfg), pyZip(t, "2")) {
		t.Errorf("after refused changes: %s, %v, want revision %s with the second zip", cfg.Key(), err, cur)
	}

	u, err = c.UpdateConfig("fn", map[string]json.RawMessage{"Timeout": json.RawMessage("10")}, nil, cur)
	if err != nil {
		t.Fatalf("UpdateConfig with the current revision: %v", err)
	}
	if u.Config.RevisionID == cur || u.Config.Timeout != 10 {
		t.Errorf("UpdateConfig: revision %s timeout %d, want a new revision and 10", u.Config.RevisionID, u.Config.Timeout)
	}
	cur = u.Config.RevisionID
	p, err := c.Publish("fn", "", "", cur)
	if err != nil {
		t.Fatalf("Publish with the current revision: %v", err)
	}
	if p.Config.Version != "1" || p.Config.RevisionID == cur {
		t.Errorf("Publish: version %s revision %s, want 1 with its own revision", p.Config.Version, p.Config.RevisionID)
	}
	// Publishing does not change $LATEST's revision.
	if d, _ := c.Describe("fn", ""); d.Config.RevisionID != cur {
		t.Errorf("$LATEST's revision after Publish: %s, want %s", d.Config.RevisionID, cur)
	}
}

func TestUpdateConfig(t *testing.T) {
	c, _ := open(t)
	v, err := c.Create(catalog.CreateRequest{Name: "fn", Description: "old", Zip: pyZip(t, "1"),
		Definition: json.RawMessage(`{"Runtime":"python3.12","Handler":"app.handler","MemorySize":256,"Environment":{"Variables":{"AA":"1"}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.UpdateConfig("fn", map[string]json.RawMessage{
		"Timeout":     json.RawMessage("30"),
		"Environment": json.RawMessage(`{"Variables":{"BB":"2"}}`),
	}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if u.Config.Timeout != 30 || u.Config.MemorySize != 256 || u.Config.Env["BB"] != "2" || u.Config.Env["AA"] != "" || u.Description != "old" {
		t.Errorf("UpdateConfig: timeout %d memory %d env %v description %q, want 30 256 BB=2 old",
			u.Config.Timeout, u.Config.MemorySize, u.Config.Env, u.Description)
	}
	if u.CodeSHA256 != v.CodeSHA256 {
		t.Errorf("UpdateConfig changed the code: %s, was %s", u.CodeSHA256, v.CodeSHA256)
	}
	// null removes a field: MemorySize goes back to Lambda's default.
	u, err = c.UpdateConfig("fn", map[string]json.RawMessage{"MemorySize": json.RawMessage("null")}, ptr("new"), "")
	if err != nil {
		t.Fatal(err)
	}
	if u.Config.MemorySize != 128 || u.Description != "new" || u.Config.Timeout != 30 {
		t.Errorf("UpdateConfig: memory %d description %q timeout %d, want 128 new 30", u.Config.MemorySize, u.Description, u.Config.Timeout)
	}
	cfg, err := c.Lookup("fn", "")
	if err != nil || cfg.MemorySize != 128 || cfg.Timeout != 30 || cfg.RevisionID != u.Config.RevisionID {
		t.Errorf("Lookup after UpdateConfig: %+v, %v", cfg, err)
	}
	// A configuration that does not load is refused, and changes nothing.
	_, err = c.UpdateConfig("fn", map[string]json.RawMessage{"Timeout": json.RawMessage("0")}, nil, "")
	wantCode(t, err, catalog.InvalidParameter, "Timeout")
	_, err = c.UpdateConfig("fn", map[string]json.RawMessage{"Runtime": json.RawMessage(`"cobol"`)}, nil, "")
	wantCode(t, err, catalog.InvalidParameter, "Runtime")
	if after, _ := c.Lookup("fn", ""); after.RevisionID != cfg.RevisionID || after.Timeout != 30 {
		t.Errorf("a refused UpdateConfig changed $LATEST: %s timeout %d", after.Key(), after.Timeout)
	}
}

func TestPublish(t *testing.T) {
	c, _ := open(t)
	zip1, zip2 := pyZip(t, "1"), pyZip(t, "2")
	create(t, c, "fn", "1")
	v1, err := c.Publish("fn", "", "release one", "")
	if err != nil {
		t.Fatal(err)
	}
	if v1.Config.Version != "1" || v1.Description != "release one" || v1.CodeSHA256 != lambdaSum(zip1) {
		t.Errorf("Publish: version %s description %q sha %s", v1.Config.Version, v1.Description, v1.CodeSHA256)
	}
	// Nothing changed: Lambda publishes no new version and answers the last.
	again, err := c.Publish("fn", "", "", "")
	if err != nil || again.Config.Version != "1" || again.Config.RevisionID != v1.Config.RevisionID {
		t.Errorf("Publish of unchanged $LATEST: version %s, %v, want version 1 again", again.Config.Version, err)
	}
	// A CodeSha256 that is not $LATEST's is refused.
	_, err = c.Publish("fn", lambdaSum(zip2), "", "")
	wantCode(t, err, catalog.InvalidParameter, "CodeSHA256")

	if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: zip2}); err != nil {
		t.Fatal(err)
	}
	v2, err := c.Publish("fn", lambdaSum(zip2), "", "")
	if err != nil || v2.Config.Version != "2" {
		t.Fatalf("Publish after UpdateCode: version %s, %v, want 2", v2.Config.Version, err)
	}
	// Version 1 keeps its code after $LATEST's changed.
	for q, want := range map[string][]byte{"1": zip1, "2": zip2, "": zip2} {
		cfg, err := c.Lookup("fn", q)
		if err != nil {
			t.Fatalf("Lookup(fn, %q): %v", q, err)
		}
		if !bytes.Equal(zipOf(t, cfg), want) {
			t.Errorf("Lookup(fn, %q) runs the wrong zip", q)
		}
		if q != "" && cfg.Version != q {
			t.Errorf("Lookup(fn, %q): version %q", q, cfg.Version)
		}
	}
	d1, err := c.Describe("fn", "1")
	if err != nil || d1.CodeSHA256 != lambdaSum(zip1) || d1.Description != "release one" {
		t.Errorf("Describe(fn, 1): %s %q, %v", d1.CodeSHA256, d1.Description, err)
	}
	// A configuration change alone is a new version too.
	if _, err := c.UpdateConfig("fn", map[string]json.RawMessage{"Timeout": json.RawMessage("9")}, nil, ""); err != nil {
		t.Fatal(err)
	}
	v3, err := c.Publish("fn", "", "", "")
	if err != nil || v3.Config.Version != "3" || v3.Config.Timeout != 9 {
		t.Errorf("Publish after UpdateConfig: version %s timeout %d, %v", v3.Config.Version, v3.Config.Timeout, err)
	}
	if cfg, _ := c.Lookup("fn", "2"); cfg.Timeout != 3 {
		t.Errorf("version 2's timeout changed to %d with $LATEST's", cfg.Timeout)
	}
	vs, err := c.Versions("fn")
	if got, want := versionNames(vs), []string{"fn:$LATEST", "fn:1", "fn:2", "fn:3"}; err != nil || !equal(got, want) {
		t.Errorf("Versions = %v, %v, want %v", got, err, want)
	}
	if _, err := c.Lookup("fn", "4"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup(fn, 4): %v, want not found", err)
	}
	if _, err := c.Versions("nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Versions(nope): %v, want not found", err)
	}
}

// TestUpdateCodePublish checks UpdateCode's Publish: a new version when
// the code changed, the last version when it did not (as PublishVersion).
func TestUpdateCodePublish(t *testing.T) {
	c, _ := open(t)
	create(t, c, "fn", "1")
	v, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "2"), Publish: true})
	if err != nil || v.Config.Version != "1" || v.CodeSHA256 != lambdaSum(pyZip(t, "2")) {
		t.Fatalf("UpdateCode with Publish: version %s sha %s, %v", v.Config.Version, v.CodeSHA256, err)
	}
	v, err = c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "2"), Publish: true})
	if err != nil || v.Config.Version != "1" {
		t.Errorf("UpdateCode with Publish of the same code: version %s, %v, want 1 again", v.Config.Version, err)
	}
	v, err = c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "3"), Publish: true})
	if err != nil || v.Config.Version != "2" {
		t.Errorf("UpdateCode with Publish of new code: version %s, %v, want 2", v.Config.Version, err)
	}
}

func TestUpdateCodeDryRun(t *testing.T) {
	ev := &events{}
	dir := t.TempDir()
	c := openAt(t, options(dir, ev))
	before := create(t, c, "fn", "1")
	ev.take()
	d, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, "2"), DryRun: true})
	if err != nil || d.CodeSHA256 != lambdaSum(pyZip(t, "2")) {
		t.Fatalf("DryRun: %s, %v", d.CodeSHA256, err)
	}
	cfg, err := c.Lookup("fn", "")
	if err != nil || cfg.RevisionID != before.Config.RevisionID || !bytes.Equal(zipOf(t, cfg), pyZip(t, "1")) {
		t.Errorf("a DryRun UpdateCode changed $LATEST: %s, %v", cfg.Key(), err)
	}
	if vs, _ := c.Versions("fn"); len(vs) != 1 {
		t.Errorf("a DryRun published: %v", versionNames(vs))
	}
	if retired, changes := ev.take(); len(retired) != 0 || changes != 0 {
		t.Errorf("a DryRun retired %v and made %d changes, want none", retired, changes)
	}
}

// TestPublishRefusesBrokenLatest: a $LATEST that cannot run is not published.
func TestPublishRefusesBrokenLatest(t *testing.T) {
	dir := t.TempDir()
	broken := false
	opts := options(dir, nil)
	opts.Check = func(cfg function.Config) error {
		if broken {
			return errors.New("no network for it")
		}
		return nil
	}
	c := openAt(t, opts)
	create(t, c, "fn", "1")
	c.Close()
	broken = true
	c = openAt(t, opts)
	_, err := c.Publish("fn", "", "", "")
	wantCode(t, err, catalog.InvalidParameter, "no network for it")
	if _, err := c.Lookup("fn", ""); err == nil || err.Error() != "no network for it" {
		t.Errorf("Lookup of a function whose Check fails: %v, want Check's error", err)
	}
	if b := c.Broken(); b["fn"] == nil {
		t.Errorf("Broken() = %v, want fn", b)
	}
	if l := c.List(false); len(l) != 0 {
		t.Errorf("List(false) lists a broken function: %v", versionNames(l))
	}
	d, err := c.Describe("fn", "")
	if err != nil || d.Err == nil {
		t.Errorf("Describe of a broken function: Err %v, %v; want its error", d.Err, err)
	}
}

// TestUpdateConfigKeepsCode: UpdateConfig changes configuration, never
// the code or what kind it is (that is UpdateCode's).
func TestUpdateConfigKeepsCode(t *testing.T) {
	c, _ := open(t)
	if _, err := c.Create(catalog.CreateRequest{Name: "img", Definition: json.RawMessage(`{"PackageType":"Image"}`), ImageURI: "repo/img:1"}); err != nil {
		t.Fatal(err)
	}
	create(t, c, "zipped", "1")
	tests := []struct {
		name   string
		fn     string
		fields map[string]json.RawMessage
	}{
		{"image to zip", "img", map[string]json.RawMessage{"PackageType": json.RawMessage(`"Zip"`), "ImageUri": json.RawMessage("null"),
			"Runtime": json.RawMessage(`"python3.12"`), "Handler": json.RawMessage(`"app.handler"`)}},
		{"another image", "img", map[string]json.RawMessage{"ImageUri": json.RawMessage(`"repo/other:1"`)}},
		{"zip to image", "zipped", map[string]json.RawMessage{"PackageType": json.RawMessage(`"Image"`), "ImageUri": json.RawMessage(`"repo/img:1"`),
			"Runtime": json.RawMessage("null"), "Handler": json.RawMessage("null")}},
		{"zip from a file", "zipped", map[string]json.RawMessage{"Code": json.RawMessage(`{"ZipFile":"/etc/passwd"}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := c.Lookup(tt.fn, "")
			_, err := c.UpdateConfig(tt.fn, tt.fields, nil, "")
			wantCode(t, err, catalog.InvalidParameter)
			if after, _ := c.Lookup(tt.fn, ""); after.Key() != before.Key() {
				t.Errorf("a refused UpdateConfig changed %s: %s", before.Key(), after.Key())
			}
		})
	}
}
