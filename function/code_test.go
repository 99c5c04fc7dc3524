package function

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// zipOf builds a zip of files (name → contents); modes default to 0644.
func zipOf(t *testing.T, files map[string]string, modes map[string]fs.FileMode) string {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		mode := modes[name]
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(data))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLoadAllZips(t *testing.T) {
	root := t.TempDir()
	layers := t.TempDir()
	writeTree(t, layers, map[string]string{
		"one.zip": zipOf(t, map[string]string{"python/one.py": ""}, nil), "two/python/two.py": "",
	}, nil)
	writeTree(t, root, map[string]string{
		"zipped.zip": zipOf(t, map[string]string{"bootstrap": "#!/bin/sh"}, map[string]fs.FileMode{"bootstrap": 0o755}),
		"zpy.zip":    zipOf(t, map[string]string{"handler.py": "def handler(e, c): pass"}, nil),
		"zpy.json":   `{"MemorySize": 256, "Layers": ["` + filepath.Join(layers, "one.zip") + `", "layers/two"]}`,
		// A directory whose function.json names its code zip, relative.
		"indir/function.json":    `{"Code": {"ZipFile": "build/code.zip"}, "Runtime": "python3.12"}`,
		"indir/build/code.zip":   zipOf(t, map[string]string{"handler.py": ""}, nil),
		"layers/two/python/x.py": "",
		"image/function.json":    `{"Runtime": "provided", "Code": {"SourceKMSKeyArn": "x"}}`,
		"image/bootstrap":        "",
		".hidden.zip":            "not looked at",
		"alone.json":             `{"Runtime": "provided"}`,
		"notes.txt":              "skipped",
		// Broken.
		"dup/bootstrap":          "",
		"dup.zip":                zipOf(t, map[string]string{"bootstrap": ""}, nil),
		"corrupt.zip":            "PK\x03\x04 not a zip",
		"noexec.zip":             zipOf(t, map[string]string{"bootstrap": ""}, nil),
		"nothing.zip":            zipOf(t, map[string]string{"README": ""}, nil),
		"both.zip":               zipOf(t, map[string]string{"handler.py": ""}, nil),
		"both.json":              `{"Code": {"ZipFile": "other.zip"}}`,
		"s3/function.json":       `{"Runtime": "provided", "Code": {"S3Bucket": "b", "S3Key": "k"}}`,
		"b64/function.json":      `{"Runtime": "provided", "Code": {"ZipFile": "UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAJAAAAYm9vdHN0cmFwAwAAAAAAAAAAAAA="}}`,
		"nozip/function.json":    `{"Code": {"ZipFile": "missing.zip"}}`,
		"badzip/function.json":   `{"Code": {"ZipFile": "code.zip"}}`,
		"badzip/code.zip":        "garbage",
		"six/function.json":      `{"Runtime": "provided", "Layers": ["a", "b", "c", "d", "e", "f"]}`,
		"arn/function.json":      `{"Runtime": "provided", "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"]}`,
		"nolayer/function.json":  `{"Runtime": "provided", "Layers": ["missing"]}`,
		"badlayer/function.json": `{"Runtime": "provided", "Layers": ["garbage.zip"]}`,
		"badlayer/garbage.zip":   "garbage",
	}, map[string]os.FileMode{"image/bootstrap": 0o755})
	fns, errs, err := LoadAll(root)
	if err != nil {
		t.Fatal(err)
	}
	base := Config{MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512}
	want := map[string]Config{}
	c := base
	c.Name, c.Runtime, c.Handler, c.ZipFile, c.Source = "zipped", "provided.al2023", "bootstrap", filepath.Join(root, "zipped.zip"), filepath.Join(root, "zipped.zip")
	want["zipped"] = c
	c = base
	c.Name, c.Runtime, c.Handler, c.MemorySize = "zpy", "python3.12", "handler.handler", 256
	c.ZipFile, c.Source = filepath.Join(root, "zpy.zip"), filepath.Join(root, "zpy.json")
	c.Layers = []string{filepath.Join(layers, "one.zip"), filepath.Join(root, "layers/two")}
	want["zpy"] = c
	c = base
	c.Name, c.Runtime, c.Handler = "indir", "python3.12", "handler.handler"
	c.ZipFile, c.Source = filepath.Join(root, "indir/build/code.zip"), filepath.Join(root, "indir", ConfigFile)
	want["indir"] = c
	c = base
	c.Name, c.Runtime, c.Handler, c.CodeDir, c.Source = "image", "provided", "bootstrap", filepath.Join(root, "image"), filepath.Join(root, "image", ConfigFile)
	want["image"] = c
	for name, w := range want {
		if got, ok := fns[name]; !ok {
			t.Errorf("%s did not load: %v", name, errs[name])
		} else if !reflect.DeepEqual(got, w) {
			t.Errorf("%s =\n%+v\nwant\n%+v", name, got, w)
		}
	}
	wantErrs := map[string]struct{ file, msg string }{
		"dup":      {"dup.zip", "both this zip and the directory"},
		"corrupt":  {"corrupt.zip", "Code.ZipFile: " + filepath.Join(root, "corrupt.zip") + ": not a valid zip file"},
		"noexec":   {"noexec.zip", "entry bootstrap: not executable (mode -rw-r--r--): chmod +x it before zipping"},
		"nothing":  {"nothing.zip", "cannot tell the runtime"},
		"both":     {"both.json", "Code.ZipFile: the code is both.zip beside this file"},
		"s3":       {"s3/function.json", "Code.S3"},
		"b64":      {"b64/function.json", "base64"},
		"nozip":    {"nozip/function.json", "Code.ZipFile: stat " + filepath.Join(root, "nozip/missing.zip")},
		"badzip":   {"badzip/function.json", "not a valid zip file"},
		"six":      {"six/function.json", "Layers: 6 layers: a function may have at most 5"},
		"arn":      {"arn/function.json", "Layers[0]: \"arn:aws:lambda:us-east-1:123456789012:layer:x:1\" is a layer ARN, and lambdad has no layer registry"},
		"nolayer":  {"nolayer/function.json", "Layers[0]: stat " + filepath.Join(root, "nolayer/missing")},
		"badlayer": {"badlayer/function.json", "Layers[0]: " + filepath.Join(root, "badlayer/garbage.zip") + ": not a valid zip file"},
		"layers":   {"layers", "cannot tell the runtime"}, // the directory of zpy's second layer, taken for a function
	}
	for name, w := range wantErrs {
		err := errs[name]
		if err == nil {
			t.Errorf("%s loaded, want an error", name)
			continue
		}
		if prefix := filepath.Join(root, w.file) + ": "; !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), w.msg) {
			t.Errorf("%s: %q, want it to start with %q and say %q", name, err, prefix, w.msg)
		}
	}
	if len(fns) != len(want) || len(errs) != len(wantErrs) {
		t.Errorf("%d functions and %d errors, want %d and %d: %v", len(fns), len(errs), len(want), len(wantErrs), errs)
	}
}

func TestLoadZip(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"fn.zip": zipOf(t, map[string]string{"handler.py": ""}, nil), "fn.txt": ""}, nil)
	if c, err := LoadZip(filepath.Join(dir, "fn.zip")); err != nil || c.Name != "fn" || c.Runtime != "python3.12" {
		t.Errorf("LoadZip = %+v, %v", c, err)
	}
	if _, err := LoadZip(filepath.Join(dir, "fn.txt")); err == nil {
		t.Error("LoadZip(fn.txt) passed")
	}
	if _, err := Load(dir, "none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(none) = %v, want ErrNotExist", err)
	}
}

func TestParseConfigCode(t *testing.T) {
	c, err := ParseConfig("f", []byte(`{"Runtime": "provided", "Code": {"ZipFile": "code.zip"}, "Layers": ["l1.zip", "/abs/l2"]}`))
	if err != nil || c.ZipFile != "code.zip" || !reflect.DeepEqual(c.Layers, []string{"l1.zip", "/abs/l2"}) {
		t.Errorf("ParseConfig = %+v, %v", c, err)
	}
	for _, tc := range []struct{ json, field string }{
		{`{"Runtime": "provided", "Code": {"ZipFile": ""}}`, "Code.ZipFile"},
		{`{"Runtime": "provided", "Code": {"S3ObjectVersion": "1"}}`, "Code.S3ObjectVersion"},
		{`{"Runtime": "provided", "Code": {"ZipFile": "UEsDBA=="}}`, "Code.ZipFile"},
		{`{"Runtime": "provided", "Code": {"ZipFiles": "x"}}`, "ZipFiles"},
		{`{"Runtime": "provided", "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"]}`, "Layers[0]"},
		{`{"Runtime": "provided", "Layers": [""]}`, "Layers[0]"},
		{`{"Runtime": "provided", "Layers": "x.zip"}`, "Layers"},
		{`{"Runtime": "provided", "Layers": ["a", "b", "c", "d", "e", "f"]}`, "Layers"},
		{`{"PackageType": "Image", "ImageUri": "example.com/f:1", "Layers": ["a.zip"]}`, "Layers"},
		{`{"PackageType": "Image", "ImageUri": "example.com/f:1", "Code": {"ZipFile": "a.zip"}}`, "Code.ZipFile"},
	} {
		_, err := ParseConfig("f", []byte(tc.json))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("ParseConfig(%s) = %v, want a FieldError for %s", tc.json, err, tc.field)
		}
	}
}
