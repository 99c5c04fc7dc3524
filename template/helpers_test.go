package template

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
)

// stage copies testdata/name's template into a temporary directory and
// writes the code it names there: files maps a path to its content, and a
// path ending in .zip/ENTRY puts ENTRY in that zip. It returns the
// template's path.
func stage(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl string
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", name, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		tmpl = filepath.Join(dir, e.Name())
		if err := os.WriteFile(tmpl, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zips := map[string]map[string]string{}
	for p, content := range files {
		if i := indexZip(p); i >= 0 {
			z, entry := p[:i+len(".zip")], p[i+len(".zip/"):]
			if zips[z] == nil {
				zips[z] = map[string]string{}
			}
			zips[z][entry] = content
			continue
		}
		writeFile(t, filepath.Join(dir, p), content)
	}
	for z, entries := range zips {
		writeZip(t, filepath.Join(dir, z), entries)
	}
	return tmpl
}

func indexZip(p string) int {
	for i := 0; i+len(".zip/") <= len(p); i++ {
		if p[i:i+len(".zip/")] == ".zip/" {
			return i
		}
	}
	return -1
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeZip(t *testing.T, path string, entries map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// code is what each testdata template's functions need on disk.
var code = map[string]map[string]string{
	"python-hello": {
		"hello_world/app.py":           "def lambda_handler(event, context):\n    return {'statusCode': 200}\n",
		"hello_world/requirements.txt": "requests\n",
	},
	"node-crud": {
		"src/handlers/get-all-items.mjs":                      "export const getAllItemsHandler = async () => [];\n",
		"src/handlers/get-by-id.mjs":                          "export const getByIdHandler = async () => ({});\n",
		"src/handlers/put-item.mjs":                           "export const putItemHandler = async () => ({});\n",
		"src/handlers/debug.mjs":                              "export const handler = async () => ({});\n",
		"layers/shared/nodejs/node_modules/shared/index.js":   "module.exports = {};\n",
		"layers/debug.zip/nodejs/node_modules/debug/index.js": "module.exports = () => {};\n",
	},
	"cfn-json": {
		"build/processor.zip/processor.py":    "def handle(event, context):\n    return event\n",
		"build/deps-layer.zip/python/deps.py": "VERSION = 1\n",
		"src/reporter/report.py":              "def handle(event, context):\n    return 'ok'\n",
	},
	"cdk-synth": {
		"asset.3f1e2d4c5b6a79880f1e2d3c4b5a69788f7e6d5c4b3a29181f0e1d2c3b4a5968/index.js": "exports.handler = async () => ({});\n",
	},
	"go-and-images": {
		"hello-world/main.go":    "package main\n\nfunc main() {}\n",
		"hello-world/go.mod":     "module hello-world\n",
		"hello-image/Dockerfile": "FROM public.ecr.aws/lambda/python:3.12\n",
		"hello-image/app.py":     "def lambda_handler(event, context):\n    return 'hi'\n",
	},
}
