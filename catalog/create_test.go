package catalog_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

func TestCreateZip(t *testing.T) {
	c, _ := open(t)
	zip := pyZip(t, `"one"`)
	before := time.Now().Add(-time.Second)
	v, err := c.Create(catalog.CreateRequest{Name: "fn", Definition: pythonDef, Description: "first",
		Zip: zip, Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Config.Name != "fn" || v.Config.Version != function.LatestVersion || v.Config.RevisionID == "" {
		t.Errorf("Create: name %q version %q revision %q, want fn $LATEST and a revision", v.Config.Name, v.Config.Version, v.Config.RevisionID)
	}
	if v.CodeSHA256 != lambdaSum(zip) || v.CodeSize != int64(len(zip)) {
		t.Errorf("Create: CodeSha256 %s CodeSize %d, want %s %d", v.CodeSHA256, v.CodeSize, lambdaSum(zip), len(zip))
	}
	if v.Description != "first" || v.Tags["team"] != "a" || v.ReadOnly != "" || v.Err != nil {
		t.Errorf("Create: description %q tags %v read-only %q err %v", v.Description, v.Tags, v.ReadOnly, v.Err)
	}
	if v.LastModified.Before(before) || v.LastModified.After(time.Now().Add(time.Second)) {
		t.Errorf("Create: LastModified %v, want about now", v.LastModified)
	}
	if v.Config.Runtime != "python3.12" || v.Config.Handler != "app.handler" || v.Config.MemorySize != 128 || v.Config.Timeout != 3 {
		t.Errorf("Create: runtime %q handler %q memory %d timeout %d, want python3.12 app.handler and Lambda's defaults 128 3",
			v.Config.Runtime, v.Config.Handler, v.Config.MemorySize, v.Config.Timeout)
	}
	if !strings.HasPrefix(v.CodeLocation, "file://") || v.Config.CodeDir != "" {
		t.Errorf("Create: CodeLocation %q CodeDir %q, want file://… and no CodeDir", v.CodeLocation, v.Config.CodeDir)
	}

	for _, q := range []string{"", function.LatestVersion} {
		cfg, err := c.Lookup("fn", q)
		if err != nil {
			t.Fatalf("Lookup(fn, %q): %v", q, err)
		}
		if !bytes.Equal(zipOf(t, cfg), zip) {
			t.Errorf("Lookup(fn, %q): ZipFile %s does not hold the zip created", q, cfg.ZipFile)
		}
		if cfg.Version != function.LatestVersion || cfg.RevisionID != v.Config.RevisionID {
			t.Errorf("Lookup(fn, %q): version %q revision %q, want $LATEST %s", q, cfg.Version, cfg.RevisionID, v.Config.RevisionID)
		}
		if "file://"+cfg.ZipFile != v.CodeLocation {
			t.Errorf("Lookup(fn, %q): ZipFile %s, but CodeLocation %s", q, cfg.ZipFile, v.CodeLocation)
		}
	}
	d, err := c.Describe("fn", "")
	if err != nil {
		t.Fatal(err)
	}
	if d.CodeSHA256 != v.CodeSHA256 || d.Config.RevisionID != v.Config.RevisionID || d.Description != "first" {
		t.Errorf("Describe: %+v, want what Create returned", d)
	}
	if _, err := c.Describe("fn", "1"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Describe(fn, 1) before any publish: %v, want not found", err)
	}
}

func TestCreateImage(t *testing.T) {
	c, _ := open(t)
	v, err := c.Create(catalog.CreateRequest{Name: "img", Definition: json.RawMessage(`{"PackageType":"Image"}`),
		ImageURI: "public.ecr.aws/lambda/python:3.12"})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Config.IsImage() || v.Config.ImageURI != "public.ecr.aws/lambda/python:3.12" || v.CodeLocation != "" || v.CodeSHA256 != "" {
		t.Errorf("Create image: %+v", v)
	}
	cfg, err := c.Lookup("img", "")
	if err != nil || cfg.ImageURI != "public.ecr.aws/lambda/python:3.12" || cfg.ZipFile != "" {
		t.Errorf("Lookup image: %+v, %v", cfg, err)
	}
	// The code of an image function is an image, and of a zip function a zip.
	_, err = c.UpdateCode("img", catalog.CodeUpdate{Zip: pyZip(t, "1")})
	wantCode(t, err, catalog.InvalidParameter, "ImageUri")
	create(t, c, "zipped", "1")
	_, err = c.UpdateCode("zipped", catalog.CodeUpdate{ImageURI: "x:1"})
	wantCode(t, err, catalog.InvalidParameter, "ImageUri")
	_, err = c.UpdateCode("zipped", catalog.CodeUpdate{})
	wantCode(t, err, catalog.InvalidParameter)
	u, err := c.UpdateCode("img", catalog.CodeUpdate{ImageURI: "public.ecr.aws/lambda/python:3.13"})
	if err != nil || u.Config.ImageURI != "public.ecr.aws/lambda/python:3.13" {
		t.Errorf("UpdateCode image: %+v, %v", u.Config, err)
	}
}

func TestCreateRefused(t *testing.T) {
	c, dir := open(t)
	before := codeFiles(t, dir)
	zip := pyZip(t, "1")
	tests := []struct {
		name string
		req  catalog.CreateRequest
		code string
	}{
		{"bad name", catalog.CreateRequest{Name: "no/slash", Definition: pythonDef, Zip: zip}, catalog.InvalidParameter},
		{"empty name", catalog.CreateRequest{Name: "", Definition: pythonDef, Zip: zip}, catalog.InvalidParameter},
		{"long name", catalog.CreateRequest{Name: strings.Repeat("a", 65), Definition: pythonDef, Zip: zip}, catalog.InvalidParameter},
		{"bad runtime", catalog.CreateRequest{Name: "f", Definition: json.RawMessage(`{"Runtime":"cobol","Handler":"a.b"}`), Zip: zip}, catalog.InvalidParameter},
		{"unknown field", catalog.CreateRequest{Name: "f", Definition: json.RawMessage(`{"Runtime":"python3.12","Handler":"app.handler","Colour":"red"}`), Zip: zip}, catalog.InvalidParameter},
		{"not json", catalog.CreateRequest{Name: "f", Definition: json.RawMessage(`[1]`), Zip: zip}, catalog.InvalidParameter},
		{"not a zip", catalog.CreateRequest{Name: "f", Definition: pythonDef, Zip: []byte("hello")}, catalog.InvalidParameter},
		{"too large", catalog.CreateRequest{Name: "f", Definition: pythonDef, Zip: make([]byte, catalog.MaxZipBytes+1)}, catalog.TooLarge},
		{"no code", catalog.CreateRequest{Name: "f", Definition: pythonDef}, catalog.InvalidParameter},
		{"zip and image", catalog.CreateRequest{Name: "f", Definition: json.RawMessage(`{"PackageType":"Image"}`), Zip: zip, ImageURI: "x:1"}, catalog.InvalidParameter},
		{"aws: tag", catalog.CreateRequest{Name: "f", Definition: pythonDef, Zip: zip, Tags: map[string]string{"aws:x": "1"}}, catalog.InvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Create(tt.req)
			wantCode(t, err, tt.code)
			if _, err := c.Lookup(tt.req.Name, ""); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("Lookup after a refused Create: %v, want not found", err)
			}
		})
	}
	if l := c.List(true); len(l) != 0 {
		t.Errorf("List after refused Creates: %d functions", len(l))
	}
	// A refused Create may leave its zip in the store (Open prunes it), but
	// no temporary file.
	for _, f := range codeFiles(t, dir) {
		if !strings.HasSuffix(f, ".zip") {
			t.Errorf("a refused Create left %s in the code store (before: %v)", f, before)
		}
	}
}

func TestCreateConflict(t *testing.T) {
	c, _ := open(t)
	create(t, c, "fn", "1")
	_, err := c.Create(catalog.CreateRequest{Name: "fn", Definition: pythonDef, Zip: pyZip(t, "2")})
	wantCode(t, err, catalog.Conflict, "fn")
	cfg, err := c.Lookup("fn", "")
	if err != nil || !bytes.Equal(zipOf(t, cfg), pyZip(t, "1")) {
		t.Errorf("the failed second Create changed the function: %v", err)
	}
}

// TestCreateRace creates one name from many goroutines: exactly one wins.
func TestCreateRace(t *testing.T) {
	c, _ := open(t)
	const n = 32
	errs := make([]error, n)
	zips := make([][]byte, n)
	for i := range zips {
		zips[i] = pyZip(t, fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.Create(catalog.CreateRequest{Name: "fn", Definition: pythonDef, Zip: zips[i]})
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			if won >= 0 {
				t.Fatalf("creates %d and %d both succeeded", won, i)
			}
			won = i
			continue
		}
		wantCode(t, err, catalog.Conflict)
	}
	if won < 0 {
		t.Fatal("no create succeeded")
	}
	cfg, err := c.Lookup("fn", "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(zipOf(t, cfg), zips[won]) {
		t.Errorf("the function's code is not that of the create that succeeded (%d)", won)
	}
}

func TestCreatePublish(t *testing.T) {
	c, _ := open(t)
	v, err := c.Create(catalog.CreateRequest{Name: "fn", Definition: pythonDef, Zip: pyZip(t, "1"), Description: "d", Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Config.Version != "1" || v.Description != "d" {
		t.Errorf("Create with Publish: version %q description %q, want 1 d", v.Config.Version, v.Description)
	}
	vs, err := c.Versions("fn")
	if err != nil || len(vs) != 2 || vs[0].Config.Version != function.LatestVersion || vs[1].Config.Version != "1" {
		t.Fatalf("Versions: %v, %v", versionNames(vs), err)
	}
	if vs[0].Config.RevisionID == vs[1].Config.RevisionID {
		t.Errorf("$LATEST and version 1 share revision %s", vs[0].Config.RevisionID)
	}
	cfg, err := c.Lookup("fn", "1")
	if err != nil || cfg.Version != "1" || cfg.RevisionID != v.Config.RevisionID {
		t.Errorf("Lookup(fn, 1): %s, %v, want version 1 of revision %s", cfg.Key(), err, v.Config.RevisionID)
	}
}

func TestList(t *testing.T) {
	c, _ := open(t)
	create(t, c, "b", "1")
	create(t, c, "a", "1")
	if _, err := c.Publish("b", "", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCode("b", catalog.CodeUpdate{Zip: pyZip(t, "2"), Publish: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := versionNames(c.List(false)), []string{"a:$LATEST", "b:$LATEST"}; !equal(got, want) {
		t.Errorf("List(false) = %v, want %v", got, want)
	}
	if got, want := versionNames(c.List(true)), []string{"a:$LATEST", "b:$LATEST", "b:1", "b:2"}; !equal(got, want) {
		t.Errorf("List(true) = %v, want %v", got, want)
	}
	var names []string
	for _, f := range c.Functions() {
		names = append(names, f.Name+":"+f.Version)
	}
	if want := []string{"a:$LATEST", "b:$LATEST"}; !equal(names, want) {
		t.Errorf("Functions() = %v, want %v", names, want)
	}
	if b := c.Broken(); len(b) != 0 {
		t.Errorf("Broken() = %v, want none", b)
	}
}

// TestListOrdersVersionsByNumber checks that version 10 comes after 9.
func TestListOrdersVersionsByNumber(t *testing.T) {
	c, _ := open(t)
	create(t, c, "fn", "0")
	for i := 1; i <= 11; i++ {
		if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: pyZip(t, fmt.Sprint(i)), Publish: true}); err != nil {
			t.Fatal(err)
		}
	}
	got := versionNames(c.List(true))
	want := []string{"fn:$LATEST"}
	for i := 1; i <= 11; i++ {
		want = append(want, fmt.Sprintf("fn:%d", i))
	}
	if !equal(got, want) {
		t.Errorf("List(true) = %v, want %v", got, want)
	}
}

func versionNames(vs []catalog.Version) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Config.Name+":"+v.Config.Version)
	}
	return out
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n") && len(a) == len(b)
}
