package template

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds Load any template: it may refuse it, but never panics,
// and every function it yields has a name and a definition.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"python-hello/template.yaml", "node-crud/template.yaml", "cfn-json/template.json", "go-and-images/template.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(intrinsicTemplate))
	f.Add([]byte("Resources: {A: {Type: AWS::Serverless::Function, Properties: {Handler: !Sub '${A.Arn}', Layers: [!Ref A]}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "template.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fns, errs, err := Load(path, map[string]string{"AWS::Region": "eu-west-1"})
		if err != nil {
			if fns != nil || errs != nil {
				t.Fatalf("Load failed (%v) yet returned functions %v, errs %v", err, fns, errs)
			}
			return
		}
		for _, fn := range fns {
			if fn.Name == "" || len(fn.Definition) == 0 || fn.Base == "" {
				t.Fatalf("function %+v: no name, definition or base", fn)
			}
			if _, broken := errs[fn.Name]; broken {
				t.Fatalf("function %s both loaded and broken", fn.Name)
			}
		}
	})
}
