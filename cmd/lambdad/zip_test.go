package main

import (
	"archive/zip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambdad/lambdad/sandbox/sandboxtest"
)

// writeZip writes a zip of files (name → contents) at path; a name in
// links is a symlink to its value.
func writeZip(t *testing.T, path string, files, links map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := zip.NewWriter(f)
	add := func(name, data string, mode fs.FileMode) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(mode)
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(data))
	}
	for name, data := range links {
		add(name, data, fs.ModeSymlink|0o777)
	}
	for name, data := range files {
		add(name, data, 0o644)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// layeredHandler imports a module from /opt/python, reads a file two layers
// give, and reports how /opt is mounted and where it is on sys.path.
const layeredHandler = `import sys
import shared_mod

def handler(event, context):
    opt = [l.split() for l in open("/proc/self/mounts") if l.split()[1] == "/opt"]
    return {"mod": shared_mod.VALUE, "data": open("/opt/data.txt").read(),
            "opt": opt[-1][3].split(",")[0] if opt else "", "path": sys.path[:3]}
`

// zipFunctions makes a functions directory of zip functions and layers,
// good and hostile, and the layers' directory beside it.
func zipFunctions(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	os.Chmod(top, 0o755)
	dir, layers := filepath.Join(top, "functions"), filepath.Join(top, "layers")
	for _, d := range []string{dir, filepath.Join(dir, "layered"), filepath.Join(dir, "badlayer"), filepath.Join(layers, "two")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeZip(t, filepath.Join(dir, "pyzip.zip"), map[string]string{
		"handler.py": "def handler(event, context):\n    return {'zipped': event['name']}\n",
	}, nil)
	writeZip(t, filepath.Join(dir, "layered", "code.zip"), map[string]string{"handler.py": layeredHandler}, nil)
	writeZip(t, filepath.Join(layers, "one.zip"), map[string]string{"python/shared_mod.py": "VALUE = 'one'\n", "data.txt": "one"}, nil)
	if err := os.WriteFile(filepath.Join(layers, "two", "data.txt"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "layered", "function.json"), []byte(`{"Code": {"ZipFile": "code.zip"},
		"Layers": ["`+filepath.Join(layers, "one.zip")+`", "../../layers/two"]}`), 0o644)
	// Hostile: a zip slip in the code, a layer writing through its symlink.
	writeZip(t, filepath.Join(dir, "evil.zip"), map[string]string{"handler.py": "", "../../evil.py": "x"}, nil)
	writeZip(t, filepath.Join(layers, "bad.zip"), map[string]string{"out/evil.py": "x"}, map[string]string{"out": "/tmp"})
	os.WriteFile(filepath.Join(dir, "badlayer", "handler.py"), []byte("def handler(e, c): pass\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "badlayer", "function.json"), []byte(`{"Layers": ["../../layers/bad.zip"]}`), 0o644)
	return dir
}

// TestServeZipAndLayers runs Python functions whose code is a zip, one
// with a zip layer and a directory layer at /opt, and refuses a hostile zip
// and a hostile layer without leaving anything of them in the store.
func TestServeZipAndLayers(t *testing.T) {
	requirePython(t)
	d := startDaemon(t, "--functions", zipFunctions(t))

	out := mustInvoke(t, d, "pyzip", `{"name":"zip"}`)
	if string(out.Payload) != `{"zipped": "zip"}` {
		t.Errorf("pyzip: %s", out.Payload)
	}

	out = mustInvoke(t, d, "layered", `{}`)
	var r struct {
		Mod, Data, Opt string
		Path           []string
	}
	if err := json.Unmarshal(out.Payload, &r); err != nil {
		t.Fatalf("layered: %s: %v", out.Payload, err)
	}
	if r.Mod != "one" || r.Data != "two" || r.Opt != "ro" {
		t.Errorf("layered: %+v, want the module of layer one, layer two's data.txt, /opt read-only", r)
	}
	if len(r.Path) < 3 || r.Path[0] != "/var/task" || !strings.HasPrefix(r.Path[1], "/opt/python/lib/python3.") || r.Path[2] != "/opt/python" {
		t.Errorf("sys.path starts %v, want /var/task, /opt/python/lib/python3.N/site-packages, /opt/python", r.Path)
	}

	for name, want := range map[string]string{"evil": "evil.zip", "badlayer": "bad.zip"} {
		_, err := d.invoke(name, `{}`)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "unsafe entry") {
			t.Errorf("invoke %s: %v, want an unsafe entry of %s", name, err, want)
		}
	}
	if _, err := os.Lstat("/tmp/evil.py"); err == nil {
		t.Error("/tmp/evil.py written through the layer's symlink")
	}
	if trees := zipTrees(t, d); trees != "code code opt" {
		t.Errorf("the store holds %s, want the trees of pyzip's and layered's code and of layered's layers only", trees)
	}
}

// TestRunFunctionZip: lambdad run takes a function's directory whose code
// is a zip, and mounts its code and layers.
func TestRunFunctionZip(t *testing.T) {
	requirePython(t)
	fn := filepath.Join(zipFunctions(t), "layered")
	res := lambdadRun(t, "--function", fn, "--", "/bin/sh", "-c", "cat /opt/data.txt /var/task/handler.py")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "two"+layeredHandler[:10]) {
		t.Errorf("lambdad run: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = lambdadRun(t, "--function", filepath.Join(filepath.Dir(fn), "evil.zip"), "--", "/bin/true")
	if res.code != 2 || !strings.Contains(res.stderr, "unsafe entry") {
		t.Errorf("lambdad run of evil.zip: exit %d, stderr %q; want 2 and an unsafe entry", res.code, res.stderr)
	}
}

// TestServeSpareOfReplacedZip: a spare made from a zip that is replaced
// since is not used: the invoke runs the new zip's code.
func TestServeSpareOfReplacedZip(t *testing.T) {
	gofn, err := os.ReadFile(filepath.Join(testFunctions(t), "gofn", "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	top := t.TempDir()
	os.Chmod(top, 0o755)
	dir := filepath.Join(top, "functions")
	os.MkdirAll(dir, 0o755)
	zipPath := filepath.Join(dir, "fn.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	fw, _ := w.CreateHeader(h)
	fw.Write(gofn)
	w.Close()
	f.Close()
	os.WriteFile(filepath.Join(dir, "fn.json"), []byte(`{"Runtime":"provided.al2023","Handler":"bootstrap","Timeout":3}`), 0o644)
	d := startDaemon(t, "--functions", dir, "--spares", "1")
	deadline := time.Now().Add(30 * time.Second)
	for !d.heldSpare() {
		if time.Now().After(deadline) {
			t.Fatalf("no held spare after 30 s:\n%s", d.output)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The redeploy: the new zip has no bootstrap.
	writeZip(t, zipPath+".new", map[string]string{"README": "no bootstrap"}, nil)
	if err := os.Rename(zipPath+".new", zipPath); err != nil {
		t.Fatal(err)
	}
	out := mustInvoke(t, d, "fn", `{"text":"new code?"}`)
	if got := errorType(t, out); got != "Runtime.InvalidEntrypoint" {
		t.Errorf("error type %q, payload %s: want Runtime.InvalidEntrypoint, the new zip's (the spare ran the old)", got, out.Payload)
	}
}

// TestServeNodeLayer: a Node.js function from a zip requires a module of
// its layer's nodejs/node_modules, as on Lambda.
func TestServeNodeLayer(t *testing.T) {
	hostNode(t)
	top := t.TempDir()
	os.Chmod(top, 0o755)
	dir := filepath.Join(top, "functions")
	os.MkdirAll(dir, 0o755)
	layer := filepath.Join(top, "layer.zip")
	writeZip(t, layer, map[string]string{"nodejs/node_modules/layermod/index.js": "exports.v = 'from the layer';\n"}, nil)
	writeZip(t, filepath.Join(dir, "nodezip.zip"), map[string]string{
		"index.js": "exports.handler = async () => ({v: require('layermod').v});\n",
	}, nil)
	os.WriteFile(filepath.Join(dir, "nodezip.json"), []byte(`{"Layers": ["`+layer+`"]}`), 0o644)
	d := startDaemon(t, "--functions", dir)
	out := mustInvoke(t, d, "nodezip", `{}`)
	if string(out.Payload) != `{"v":"from the layer"}` {
		t.Errorf("nodezip: %s", out.Payload)
	}
}

// TestServeZipAndLayersProvided is TestServeZipAndLayers with aws-lambda-go's
// gofn as the code, so that it runs where no interpreter is (the cgroup v2
// lane's guest): a zip's code with a zip layer and a directory layer, the
// later layer's file winning at /opt, and a hostile code zip and layer
// refused, leaving nothing in the store.
func TestServeZipAndLayersProvided(t *testing.T) {
	sandboxtest.RequireRoot(t)
	bootstrap, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	top := t.TempDir()
	os.Chmod(top, 0o755)
	dir := filepath.Join(top, "functions")
	for _, d := range []string{filepath.Join(dir, "golayered", "two"), filepath.Join(dir, "gobadlayer")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeExecZip(t, filepath.Join(dir, "gozip.zip"), bootstrap, nil)
	// 30 s, not Lambda's default 3: 128 MB's 7% of a CPU of the cgroup v2
	// lane's emulated ones timed golayered's read of /opt out once.
	if err := os.WriteFile(filepath.Join(dir, "gozip.json"), []byte(`{"Timeout": 30}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not gozip's bytes: the two would share one content-addressed tree.
	writeExecZip(t, filepath.Join(dir, "golayered", "code.zip"), bootstrap, map[string]string{"name.txt": "golayered"})
	writeZip(t, filepath.Join(dir, "golayered", "one.zip"), map[string]string{"data.txt": "one", "only-one.txt": "1"}, nil)
	if err := os.WriteFile(filepath.Join(dir, "golayered", "two", "data.txt"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := `{"Runtime": "provided.al2023", "Timeout": 30, "Code": {"ZipFile": "code.zip"}, "Layers": ["one.zip", "two"]}`
	if err := os.WriteFile(filepath.Join(dir, "golayered", "function.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	// Hostile: a zip slip in the code, a layer writing through its symlink.
	writeExecZip(t, filepath.Join(dir, "goevil.zip"), bootstrap, map[string]string{"../../evil.txt": "x"})
	writeZip(t, filepath.Join(dir, "gobadlayer", "bad.zip"), map[string]string{"out/evil.txt": "x"}, map[string]string{"out": "/tmp"})
	os.WriteFile(filepath.Join(dir, "gobadlayer", "bootstrap"), bootstrap, 0o755)
	os.WriteFile(filepath.Join(dir, "gobadlayer", "function.json"), []byte(`{"Layers": ["bad.zip"]}`), 0o644)

	d := startDaemon(t, "--functions", dir)
	if got := gofnSays(t, d, "gozip", "env", "AWS_LAMBDA_FUNCTION_NAME"); got != "gozip" {
		t.Errorf("gozip: %q", got)
	}
	for file, want := range map[string]string{"/opt/data.txt": "two", "/opt/only-one.txt": "1"} {
		if got := gofnSays(t, d, "golayered", "read", file); got != want {
			t.Errorf("golayered reads %s = %q, want %q", file, got, want)
		}
	}
	for name, want := range map[string]string{"goevil": "goevil.zip", "gobadlayer": "bad.zip"} {
		_, err := d.invoke(name, `{}`)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "unsafe entry") {
			t.Errorf("invoke %s: %v, want an unsafe entry of %s", name, err, want)
		}
	}
	if _, err := os.Lstat("/tmp/evil.txt"); err == nil {
		t.Error("/tmp/evil.txt written through the layer's symlink")
	}
	if trees := zipTrees(t, d); trees != "code code opt" {
		t.Errorf("the store holds %s, want the trees of gozip's and golayered's code and of golayered's layers only", trees)
	}
}

// writeExecZip writes a zip of an executable bootstrap and files (name →
// contents) at path.
func writeExecZip(t *testing.T, path string, bootstrap []byte, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	fw, err := w.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(bootstrap)
	for name, data := range files {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(data))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// zipTrees lists the kinds of the trees of zips and layers in d's store
// (code, opt, .tmp for one being built), in name order.
func zipTrees(t *testing.T, d *served) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(d.dir, "state", "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	var trees []string
	for _, e := range entries {
		if kind, _, _ := strings.Cut(e.Name(), "-"); kind == "code" || kind == "opt" || kind == ".tmp" {
			trees = append(trees, kind)
		}
	}
	return strings.Join(trees, " ")
}
