package template

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lambdad/lambdad/function"
)

// TestLoadDefinitions runs every function of the testdata templates
// through function.Loader.LoadDefinition, as the daemon will, and checks
// the function.Config that comes out.
func TestLoadDefinitions(t *testing.T) {
	type cfg struct {
		runtime, handler string
		memory, timeout  int
		env              map[string]string
		codeDir, zip     string   // relative to the template
		layers           []string // relative to the template
		image            string
		provisioned      int
	}
	tests := []struct {
		template string
		params   map[string]string
		want     map[string]cfg
	}{{
		template: "python-hello",
		want: map[string]cfg{
			"HelloWorldFunction": {runtime: "python3.12", handler: "app.lambda_handler", memory: 128, timeout: 3, codeDir: "hello_world"},
		},
	}, {
		template: "node-crud",
		want: map[string]cfg{
			"local-get-all-items": {runtime: "nodejs20.x", handler: "src/handlers/get-all-items.getAllItemsHandler", memory: 256, timeout: 100,
				env:     map[string]string{"ALLOWED_ORIGIN": "https://example.com", "LOG_LEVEL": "INFO", "SAMPLE_TABLE": "local-dev-items", "STAGE": "dev"},
				codeDir: ".", layers: []string{"layers/shared"}},
			"getByIdFunction": {runtime: "nodejs20.x", handler: "src/handlers/get-by-id.getByIdHandler", memory: 512, timeout: 100, provisioned: 1,
				env: map[string]string{"ALL_ITEMS_ARN": "arn:aws:lambda:us-east-1:000000000000:function:local-get-all-items",
					"ALL_ITEMS_FUNCTION": "local-get-all-items", "LOG_LEVEL": "DEBUG", "ORIGINS": "https://example.com https://admin.example.com",
					"SAMPLE_TABLE": "local-dev-items", "STAGE": "dev"},
				codeDir: ".", layers: []string{"layers/shared"}},
			"putItemFunction": {runtime: "nodejs20.x", handler: "src/handlers/put-item.putItemHandler", memory: 256, timeout: 100,
				env: map[string]string{"LOG_LEVEL": "INFO", "QUEUE_ARN": "arn:aws:sqs:us-east-1:000000000000:items-dev",
					"QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/items-dev", "SAMPLE_TABLE": "local-dev-items", "STAGE": "dev",
					"TOPIC": "arn:aws:sns:us-east-1:000000000000:items"},
				codeDir: ".", layers: []string{"layers/shared", "layers/debug.zip"}},
		},
	}, {
		template: "cfn-json",
		params:   map[string]string{"DatabaseUrl": "postgres://localhost/app"},
		want: map[string]cfg{
			"processor-test": {runtime: "python3.12", handler: "processor.handle", memory: 192, timeout: 30,
				env: map[string]string{"RETRIES": "3", "TARGET_BUCKET": "test-000000000000-us-east-1", "VERBOSE": "false"},
				zip: "build/processor.zip", layers: []string{"build/deps-layer.zip"}},
			"Reporter": {runtime: "python3.12", handler: "report.handle", memory: 128, timeout: 3,
				env: map[string]string{"DATABASE_URL": "postgres://localhost/app"}, codeDir: "src/reporter"},
		},
	}, {
		template: "go-and-images",
		want: map[string]cfg{
			"HelloWorldFunction": {runtime: "provided.al2023", handler: "bootstrap", memory: 128, timeout: 5,
				env: map[string]string{"PARAM1": "VALUE", "PARAM2": "aws:000000000000"}, codeDir: "hello-world"},
			"BuiltImageFunction": {memory: 512, timeout: 5, env: map[string]string{"PARAM1": "VALUE"}, codeDir: ".",
				image: "public.ecr.aws/lambda/python:3.12-latest"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			path := stage(t, tt.template, code[tt.template])
			dir := filepath.Dir(path)
			fns, _, err := Load(path, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if len(fns) != len(tt.want) {
				t.Errorf("functions %v, want %d", names(fns), len(tt.want))
			}
			abs := func(p string) string {
				if p == "" {
					return ""
				}
				return filepath.Join(dir, p)
			}
			for _, fn := range fns {
				w, ok := tt.want[fn.Name]
				if !ok {
					t.Errorf("unexpected function %s", fn.Name)
					continue
				}
				c, err := function.Loader{}.LoadDefinition(fn.Name, fn.Base, fn.Source, fn.Definition, fn.ZipFile)
				if err != nil {
					t.Errorf("%s: LoadDefinition: %v", fn.Name, err)
					continue
				}
				var layers []string
				for _, l := range w.layers {
					layers = append(layers, abs(l))
				}
				got := cfg{runtime: c.Runtime, handler: c.Handler, memory: c.MemorySize, timeout: c.Timeout, env: c.Env,
					codeDir: c.CodeDir, zip: c.ZipFile, layers: c.Layers, image: c.ImageURI, provisioned: c.ProvisionedConcurrency}
				w.codeDir, w.zip, w.layers = abs(w.codeDir), abs(w.zip), layers
				if !reflect.DeepEqual(got, w) {
					t.Errorf("%s: Config\n%+v\nwant\n%+v", fn.Name, got, w)
				}
				if c.Name != fn.Name || c.Source != fn.Source {
					t.Errorf("%s: Config.Name %q, Source %q", fn.Name, c.Name, c.Source)
				}
				if w.image != "" && (!c.IsImage() || !reflect.DeepEqual(c.ImageConfig, function.ImageConfig{Command: []string{"app.lambda_handler"}, WorkingDirectory: "/var/task"})) {
					t.Errorf("%s: PackageType %q, ImageConfig %+v", fn.Name, c.PackageType, c.ImageConfig)
				}
				if err := c.Validate(); err != nil {
					t.Errorf("%s: Validate: %v", fn.Name, err)
				}
			}
		})
	}
}
