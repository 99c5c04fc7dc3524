package function

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfigDefaults(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       Config
	}{
		{"provided", `{"Runtime": "provided.al2023"}`, Config{Name: "f", Runtime: "provided.al2023", Handler: "bootstrap",
			MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512}},
		{"python", `{"Runtime": "python3.12"}`, Config{Name: "f", Runtime: "python3.12", Handler: "handler.handler",
			MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512}},
		{"nulls", `{"Runtime": "provided", "MemorySize": null, "Timeout": null, "Environment": null,
			"EphemeralStorage": null, "ReservedConcurrentExecutions": null, "Handler": null}`,
			Config{Name: "f", Runtime: "provided", Handler: "bootstrap", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512}},
		{"empty variables", `{"Runtime": "provided", "Environment": {"Variables": {}}}`,
			Config{Name: "f", Runtime: "provided", Handler: "bootstrap", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512}},
		{"everything", `{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 256, "Timeout": 30,
			"Environment": {"Variables": {"GREETING": "hi"}}, "EphemeralStorage": {"Size": 1024},
			"ReservedConcurrentExecutions": 4, "ProvisionedConcurrency": 2}`,
			Config{Name: "f", Runtime: "provided.al2023", Handler: "bootstrap", MemorySize: 256, Timeout: 30,
				EphemeralStorageMB: 1024, Env: map[string]string{"GREETING": "hi"}, ReservedConcurrency: intp(4), ProvisionedConcurrency: 2}},
		{"network", `{"Runtime": "provided", "Network": "none"}`,
			Config{Name: "f", Runtime: "provided", Handler: "bootstrap", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, Network: "none"}},
		{"reserved 0 is not absent", `{"Runtime": "provided", "ReservedConcurrentExecutions": 0}`,
			Config{Name: "f", Runtime: "provided", Handler: "bootstrap", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512,
				ReservedConcurrency: intp(0)}},
		{"ignored CreateFunction fields", `{"Runtime": "python3.11", "Handler": "app.main",
			"FunctionName": "other", "Role": "arn:aws:iam::123456789012:role/x", "Description": "d",
			"Architectures": ["arm64"],
			"TracingConfig": {"Mode": "Active"}, "Tags": {"k": "v"}, "PackageType": "Zip",
			"Code": {"SourceKMSKeyArn": "y"}, "Publish": true, "VpcConfig": {"SubnetIds": []},
			"DeadLetterConfig": {}, "KMSKeyArn": "",
			"FileSystemConfigs": [], "ImageConfig": {}, "CodeSigningConfigArn": "x", "SnapStart": {"ApplyOn": "None"}}`,
			Config{Name: "f", Runtime: "python3.11", Handler: "app.main", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, PackageType: PackageZip}},
		{"logging", `{"Runtime": "provided", "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN", "LogGroup": "/custom/x"}}`,
			Config{Name: "f", Runtime: "provided", Handler: "bootstrap", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512,
				Logging: LoggingConfig{LogFormat: LogFormatJSON, ApplicationLogLevel: "DEBUG", SystemLogLevel: "WARN", LogGroup: "/custom/x"}}},
		{"image in Code, as CreateFunction takes it", `{"PackageType": "Image", "Code": {"ImageUri": "127.0.0.1:5000/fn:v1"}}`,
			Config{Name: "f", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, PackageType: PackageImage, ImageURI: "127.0.0.1:5000/fn:v1"}},
		{"image", `{"PackageType": "Image", "ImageUri": "127.0.0.1:5000/fn:v1",
			"ImageConfig": {"EntryPoint": ["/bin/run"], "Command": ["app.handler"], "WorkingDirectory": "/srv"}}`,
			Config{Name: "f", MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512, PackageType: PackageImage,
				ImageURI: "127.0.0.1:5000/fn:v1", ImageConfig: ImageConfig{EntryPoint: []string{"/bin/run"}, Command: []string{"app.handler"}, WorkingDirectory: "/srv"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfig("f", []byte(tc.json))
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseConfig =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// TestParseConfigErrors covers the file's shape; TestValidate the values.
func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		field      string
		msg        string
	}{
		{"no runtime", `{}`, "Runtime", "required"},
		{"empty runtime", `{"Runtime": ""}`, "Runtime", "not supported"},
		{"empty handler", `{"Runtime": "provided", "Handler": ""}`, "Handler", "required"},
		{"memory 0 is not default", `{"Runtime": "provided", "MemorySize": 0}`, "MemorySize", "0 MB"},
		{"timeout 0 is not default", `{"Runtime": "provided", "Timeout": 0}`, "Timeout", "0 seconds"},
		{"ephemeral without size", `{"Runtime": "provided", "EphemeralStorage": {}}`, "EphemeralStorage.Size", "required"},
		{"unknown field", `{"Runtime": "provided", "Memory": 128}`, "Memory", "unknown field"},
		{"unknown nested field", `{"Runtime": "provided", "Environment": {"Vars": {}}}`, "Vars", "unknown field"},
		{"string number", "{\n  \"Runtime\": \"provided\",\n  \"MemorySize\": \"256\"\n}", "MemorySize", "want an integer, got string at line 3"},
		{"float", `{"Runtime": "provided", "Timeout": 2.5}`, "Timeout", "want an integer, got number 2.5"},
		{"overflow", `{"Runtime": "provided", "Timeout": 1e30}`, "Timeout", "want an integer"},
		{"runtime number", `{"Runtime": 3}`, "Runtime", "want a string, got number"},
		{"environment string", `{"Runtime": "provided", "Environment": "A=1"}`, "Environment", "want an object"},
		{"variable number", `{"Runtime": "provided", "Environment": {"Variables": {"A1": 1}}}`, "Environment.Variables", "want a string, got number at line 1, column 61"},
		{"syntax", "{\n  \"Runtime\": \"provided\",\n  \"Timeout\": 3,,\n}", "", "malformed JSON at line 3, column 16"},
		{"trailing comma", "{\"Runtime\": \"provided\",}", "", "malformed JSON at line 1, column 24"},
		{"truncated", `{"Runtime": "provided"`, "", "unexpected end"},
		{"trailing data", "{\"Runtime\": \"provided\"}\n{}", "", "unexpected data after the JSON object at line 2, column 1"},
		{"trailing brace", `{"Runtime": "provided"}}`, "", "unexpected data after the JSON object at line 1, column 24"},
		{"array", `[{"Runtime": "provided"}]`, "", "want a JSON object, got at line 1, column 1"},
		{"null", ` null`, "", "want a JSON object"},
		{"empty", "", "", "empty file"},
		{"blank", " \n\t", "", "empty file"},
		{"image without uri", `{"PackageType": "Image"}`, "ImageUri", "required when PackageType is Image"},
		{"two image uris", `{"PackageType": "Image", "ImageUri": "fn:v1", "Code": {"ImageUri": "fn:v2"}}`, "Code.ImageUri", `"fn:v2", but ImageUri says "fn:v1"`},
		{"image with runtime", `{"PackageType": "Image", "ImageUri": "fn:v1", "Runtime": "python3.11"}`, "PackageType", "don't give a Runtime or Handler"},
		{"uri with zip", `{"Runtime": "provided", "ImageUri": "fn:v1"}`, "ImageUri", "given with PackageType Zip"},
		{"code uri with zip", `{"Runtime": "provided", "Code": {"ImageUri": "fn:v1"}}`, "ImageUri", "given with PackageType Zip"},
		{"bad package type", `{"Runtime": "provided", "PackageType": "Jar"}`, "PackageType", `"Jar": want "Zip" or "Image"`},
		{"uri with space", `{"PackageType": "Image", "ImageUri": "fn: v1"}`, "ImageUri", "space"},
		{"relative workdir", `{"PackageType": "Image", "ImageUri": "fn:v1", "ImageConfig": {"WorkingDirectory": "srv"}}`, "ImageConfig.WorkingDirectory", "not an absolute path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("f", []byte(tc.json))
			if err == nil {
				t.Fatal("ParseConfig passed")
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("ParseConfig: %#v; want a FieldError for field %q", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("ParseConfig: %q does not say %q", err, tc.msg)
			}
		})
	}
	if _, err := ParseConfig("bad name", []byte(`{"Runtime": "provided"}`)); err == nil || !strings.Contains(err.Error(), "FunctionName") {
		t.Errorf("ParseConfig with a bad name: %v", err)
	}
}

// writeTree makes files under root: a path ending in / is a directory, a
// mode of 0 means 0o644.
func writeTree(t *testing.T, root string, files map[string]string, modes map[string]os.FileMode) {
	t.Helper()
	for name, data := range files {
		path := filepath.Join(root, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := modes[name]
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(path, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
}

func TestLoadAll(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		// Good.
		"go-fn/bootstrap":                 "#!/bin/sh\n",
		"py_fn/handler.py":                "def handler(e, c): return e\n",
		"both/bootstrap":                  "",
		"both/handler.py":                 "",
		"configured/bootstrap":            "",
		"configured/function.json":        `{"Runtime": "provided.al2", "MemorySize": 512, "Timeout": 60, "Environment": {"Variables": {"GREETING": "hi"}}, "ReservedConcurrentExecutions": 0}`,
		"json-python/function.json":       `{"Runtime": "python3.11", "Handler": "app/main.run"}`,
		"json-no-runtime/function.json":   `{"MemorySize": 256}`,
		"json-no-runtime/handler.py":      "",
		"json-no-bootstrap/function.json": `{"Runtime": "provided.al2023"}`,
		"target/bootstrap":                "",
		".hidden/whatever":                "",
		"README.md":                       "not a function",
		// Broken.
		"empty/":                           "",
		"noexec/bootstrap":                 "",
		"noexec-python/bootstrap":          "",
		"noexec-python/handler.py":         "",
		"bootstrap-dir/bootstrap/":         "",
		"badjson/function.json":            "{\n  \"Runtime\": \"provided\"\n  \"Timeout\": 3\n}",
		"bad name/bootstrap":               "",
		"toobig/function.json":             `{"Runtime": "provided", "MemorySize": 20000}`,
		"reserved-env/function.json":       `{"Runtime": "provided", "Environment": {"Variables": {"AWS_REGION": "x"}}}`,
		"json-nothing/function.json":       `{"Timeout": 10}`,
		"unknown-field/function.json":      `{"Runtime": "provided", "Memory": 256}`,
		"emptyjson/function.json":          "",
		"json-noexec/function.json":        `{"Runtime": "provided"}`,
		"json-noexec/bootstrap":            "",
		"python-bad-handler/function.json": `{"Runtime": "python3.12", "Handler": "handler"}`,
		"provisioned-over/function.json":   `{"Runtime": "provided", "ReservedConcurrentExecutions": 1, "ProvisionedConcurrency": 2}`,
	}, map[string]os.FileMode{
		"go-fn/bootstrap": 0o755, "both/bootstrap": 0o755, "configured/bootstrap": 0o700, "target/bootstrap": 0o755,
	})
	if err := os.Symlink(filepath.Join(root, "target"), filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}

	fns, errs, err := LoadAll(root)
	if err != nil {
		t.Fatal(err)
	}
	base := Config{MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512}
	with := func(name, runtime, handler string, edit func(*Config)) Config {
		c := base
		c.Name, c.Runtime, c.Handler, c.CodeDir = name, runtime, handler, filepath.Join(root, name)
		c.Source = c.CodeDir
		if _, err := os.Stat(filepath.Join(c.CodeDir, ConfigFile)); err == nil {
			c.Source = filepath.Join(c.CodeDir, ConfigFile)
		}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	wantFns := map[string]Config{
		"go-fn": with("go-fn", "provided.al2023", "bootstrap", nil),
		"py_fn": with("py_fn", "python3.12", "handler.handler", nil),
		"both":  with("both", "provided.al2023", "bootstrap", nil),
		"configured": with("configured", "provided.al2", "bootstrap", func(c *Config) {
			c.MemorySize, c.Timeout, c.Env, c.ReservedConcurrency = 512, 60, map[string]string{"GREETING": "hi"}, intp(0)
		}),
		"json-python":       with("json-python", "python3.11", "app/main.run", nil),
		"json-no-runtime":   with("json-no-runtime", "python3.12", "handler.handler", func(c *Config) { c.MemorySize = 256 }),
		"json-no-bootstrap": with("json-no-bootstrap", "provided.al2023", "bootstrap", nil),
		"target":            with("target", "provided.al2023", "bootstrap", nil),
		"linked":            with("linked", "provided.al2023", "bootstrap", nil),
	}
	for name, want := range wantFns {
		if got, ok := fns[name]; !ok {
			t.Errorf("%s did not load: %v", name, errs[name])
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s =\n%+v\nwant\n%+v", name, got, want)
		}
	}
	// Each broken function: what its error must say, and which file it names.
	wantErrs := map[string]struct{ file, msg string }{
		"empty":              {"empty", "cannot tell the runtime: no function.json, bootstrap, handler.py or index.js"},
		"noexec":             {"noexec/bootstrap", "not executable (mode -rw-r--r--): chmod +x it"},
		"noexec-python":      {"noexec-python/bootstrap", "chmod +x"},
		"bootstrap-dir":      {"bootstrap-dir/bootstrap", "not a regular file"},
		"badjson":            {"badjson/function.json", "malformed JSON at line 3, column 3"},
		"bad name":           {"bad name", `FunctionName: "bad name"`},
		"toobig":             {"toobig/function.json", "MemorySize: 20000 MB is out of range 128–10240"},
		"reserved-env":       {"reserved-env/function.json", `Environment.Variables: key "AWS_REGION" is reserved`},
		"json-nothing":       {"json-nothing/function.json", "Runtime: absent, and no bootstrap, handler.py or index.js"},
		"unknown-field":      {"unknown-field/function.json", "Memory: unknown field"},
		"emptyjson":          {"emptyjson/function.json", "empty file"},
		"json-noexec":        {"json-noexec/bootstrap", "chmod +x"},
		"python-bad-handler": {"python-bad-handler/function.json", "Handler: \"handler\": want module.function"},
		"provisioned-over":   {"provisioned-over/function.json", "ProvisionedConcurrency: 2 is more than ReservedConcurrentExecutions (1)"},
	}
	for name, want := range wantErrs {
		err := errs[name]
		if err == nil {
			t.Errorf("%s loaded, want an error", name)
			continue
		}
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: errors.Is(%v, ErrInvalidConfig) = false", name, err)
		}
		if prefix := filepath.Join(root, want.file) + ": "; !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s: %q does not start with %q", name, err, prefix)
		}
		if !strings.Contains(err.Error(), want.msg) {
			t.Errorf("%s: %q does not say %q", name, err, want.msg)
		}
	}
	if len(fns) != len(wantFns) || len(errs) != len(wantErrs) {
		t.Errorf("LoadAll: %d functions and %d errors, want %d and %d (skipped: .hidden, README.md, dangling)\nerrs: %v",
			len(fns), len(errs), len(wantFns), len(wantErrs), errs)
	}
}

func TestLoadAllMissingRoot(t *testing.T) {
	if _, _, err := LoadAll(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadAll(missing) err = %v, want ErrNotExist", err)
	}
}

func TestLoadDir(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"hello/bootstrap": "", "file": "", "big/function.json": strings.Repeat(" ", maxConfigFile+1)},
		map[string]os.FileMode{"hello/bootstrap": 0o755})
	// A relative path and a trailing slash still name the function.
	t.Chdir(root)
	c, err := LoadDir("hello/")
	if err != nil || c.Name != "hello" || c.CodeDir != filepath.Join(root, "hello") {
		t.Errorf("LoadDir(hello/) = %+v, %v", c, err)
	}
	t.Chdir(filepath.Join(root, "hello"))
	if c, err := LoadDir("."); err != nil || c.Name != "hello" {
		t.Errorf("LoadDir(.) = %+v, %v", c, err)
	}
	if _, err := LoadDir(filepath.Join(root, "file")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("LoadDir(file) = %v", err)
	}
	if _, err := LoadDir(filepath.Join(root, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDir(missing) = %v", err)
	}
	if _, err := LoadDir(filepath.Join(root, "big")); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadDir(big) = %v", err)
	}
}
