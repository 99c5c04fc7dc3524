package function

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostVersion(t *testing.T) {
	tests := []struct {
		family           *Family
		out              string
		version, runtime string // "" for an error
	}{
		{Python, "Python 3.11.7", "3.11.7", "python3.11"},
		{Python, "Python 3.13.0rc1", "3.13.0rc1", "python3.13"},
		{Python, "Python 2.7.18", "", ""},
		{Python, "python 3.11", "", ""},
		{NodeJS, "v20.20.2", "v20.20.2", "nodejs20.x"},
		{NodeJS, "v22.1.0", "v22.1.0", "nodejs22.x"},
		{NodeJS, "20.1.0", "", ""},
		{NodeJS, "v", "", ""},
	}
	for _, tt := range tests {
		v, rt, err := tt.family.hostVersion(tt.out)
		if v != tt.version || rt != tt.runtime || (err == nil) != (tt.version != "") {
			t.Errorf("%s %q: %q %q %v, want %q %q", tt.family.Name, tt.out, v, rt, err, tt.version, tt.runtime)
		}
	}
}

// TestProbeHost asks this host's interpreters: each present one reports a
// version whose runtime its family takes.
func TestProbeHost(t *testing.T) {
	hosts := ProbeHost(context.Background())
	for _, f := range Families {
		h, ok := hosts[f.Name]
		if f.Interpreter == "" {
			if ok {
				t.Errorf("%s has no interpreter, yet ProbeHost gave %+v", f.Name, h)
			}
			continue
		}
		if _, err := os.Stat(f.Interpreter); err != nil {
			if h.Err == nil {
				t.Errorf("%s: %s is absent, yet no error: %+v", f.Name, f.Interpreter, h)
			}
			continue
		}
		if h.Err != nil || h.Version == "" || FamilyOf(h.Runtime) != f {
			t.Errorf("%s: %+v", f.Name, h)
		}
	}
}

var testHost = HostInterpreters{
	"python": {Path: "/usr/bin/python3", Version: "3.11.7", Runtime: "python3.11"},
	"nodejs": {Path: "/usr/bin/node", Version: "v20.20.2", Runtime: "nodejs20.x"},
}

func TestLoaderHost(t *testing.T) {
	tests := []struct {
		name          string
		files         map[string]string
		host          HostInterpreters
		allowMismatch bool
		onImage       string // a runtime that runs on its base image
		runtime       string // want; "" for an error
		runsOn        string
		err           string
	}{
		{name: "bare handler.py takes the host's python", files: map[string]string{"handler.py": ""},
			runtime: "python3.11", runsOn: "host python3 3.11.7"},
		{name: "bare index.js takes the host's node", files: map[string]string{"index.js": ""},
			runtime: "nodejs20.x", runsOn: "host node v20.20.2"},
		{name: "bare index.mjs", files: map[string]string{"index.mjs": ""}, runtime: "nodejs20.x", runsOn: "host node v20.20.2"},
		{name: "bare index.cjs", files: map[string]string{"index.cjs": ""}, runtime: "nodejs20.x", runsOn: "host node v20.20.2"},
		{name: "python3.11 on 3.11", files: map[string]string{ConfigFile: `{"Runtime": "python3.11"}`},
			runtime: "python3.11", runsOn: "host python3 3.11.7"},
		{name: "python3.12 on 3.11 refused", files: map[string]string{ConfigFile: `{"Runtime": "python3.12"}`},
			err: `Runtime: "python3.12" declared, but the host's /usr/bin/python3 is 3.11.7 (python3.11)`},
		{name: "nodejs22.x on node 20 refused", files: map[string]string{ConfigFile: `{"Runtime": "nodejs22.x"}`},
			err: `Runtime: "nodejs22.x" declared, but the host's /usr/bin/node is v20.20.2 (nodejs20.x): declare nodejs20.x, leave Runtime out, or run lambdad with --allow-runtime-mismatch`},
		{name: "nodejs22.x on node 20 allowed", files: map[string]string{ConfigFile: `{"Runtime": "nodejs22.x"}`}, allowMismatch: true,
			runtime: "nodejs22.x", runsOn: "host node v20.20.2 (declared nodejs22.x)"},
		{name: "no node on the host", files: map[string]string{ConfigFile: `{"Runtime": "nodejs20.x"}`},
			host: HostInterpreters{"nodejs": {Path: "/usr/bin/node", Err: errors.New("/usr/bin/node --version: no such file")}},
			err:  `Runtime: "nodejs20.x" runs on the host's /usr/bin/node, which cannot be run: /usr/bin/node --version: no such file`},
		{name: "python3.12 on its base image is not checked", files: map[string]string{ConfigFile: `{"Runtime": "python3.12"}`},
			onImage: "python3.12", runtime: "python3.12"},
		{name: "python3.12 on 3.11 refused when python3.13 has an image", files: map[string]string{ConfigFile: `{"Runtime": "python3.12"}`},
			onImage: "python3.13", err: `"python3.12" declared, but the host's /usr/bin/python3 is 3.11.7`},
		{name: "provided is not checked", files: map[string]string{ConfigFile: `{"Runtime": "provided.al2023"}`},
			runtime: "provided.al2023"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "fn")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, src := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			host := tt.host
			if host == nil {
				host = testHost
			}
			c, err := Loader{Host: host, AllowMismatch: tt.allowMismatch,
				OnImage: func(rt string) bool { return rt == tt.onImage }}.LoadDir(dir)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), ConfigFile) {
					t.Fatalf("LoadDir: %v, want an error of %s saying %q", err, ConfigFile, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadDir: %v", err)
			}
			if c.Runtime != tt.runtime || c.RunsOn != tt.runsOn {
				t.Errorf("Runtime %q RunsOn %q, want %q %q", c.Runtime, c.RunsOn, tt.runtime, tt.runsOn)
			}
			// The zero Loader (LoadDir) checks nothing and says nothing.
			if c, err := LoadDir(dir); err != nil || c.RunsOn != "" {
				t.Errorf("LoadDir without a host: %+v, %v", c, err)
			}
		})
	}
}

func TestNodePath(t *testing.T) {
	env := map[string]string{}
	for _, kv := range Environment(EnvRequest{Name: "f", Runtime: "nodejs22.x"}) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	const want = "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/lambdad/nodejs-sdk/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"
	if env["NODE_PATH"] != want || env["AWS_EXECUTION_ENV"] != "AWS_Lambda_nodejs22.x" {
		t.Errorf("NODE_PATH %q AWS_EXECUTION_ENV %q, want %q", env["NODE_PATH"], env["AWS_EXECUTION_ENV"], want)
	}
	// The function's own NODE_PATH wins, as on Lambda.
	for _, kv := range Environment(EnvRequest{Name: "f", Runtime: "nodejs22.x", Vars: map[string]string{"NODE_PATH": "/var/task/lib"}}) {
		if k, v, _ := strings.Cut(kv, "="); k == "NODE_PATH" && v != "/var/task/lib" {
			t.Errorf("NODE_PATH %q, want the function's", v)
		}
	}
	for _, kv := range Environment(EnvRequest{Name: "f", Runtime: "python3.11"}) {
		if strings.HasPrefix(kv, "NODE_PATH=") {
			t.Errorf("a Python function's environment has %s", kv)
		}
	}
}
