package template

import (
	"reflect"
	"testing"
)

func TestMergeGlobals(t *testing.T) {
	tests := []struct {
		name                string
		global, local, want string // YAML
	}{
		{"scalar: the function's wins", `{Timeout: 3, Runtime: python3.12}`, `{Timeout: 10}`, `{Timeout: 10, Runtime: python3.12}`},
		{"global only", `{MemorySize: 128}`, `{}`, `{MemorySize: 128}`},
		{"function only", `{}`, `{Handler: app.h}`, `{Handler: app.h}`},
		{"maps merge, recursively",
			`{Environment: {Variables: {TABLE: t, LEVEL: INFO}}}`,
			`{Environment: {Variables: {LEVEL: DEBUG, EXTRA: x}}}`,
			`{Environment: {Variables: {TABLE: t, LEVEL: DEBUG, EXTRA: x}}}`},
		{"lists concatenate, the global's first",
			`{Layers: [!Ref Common, !Ref Insights]}`, `{Layers: [!Ref Own]}`,
			`{Layers: [!Ref Common, !Ref Insights, !Ref Own]}`},
		{"lists keep duplicates", `{Layers: [a]}`, `{Layers: [a]}`, `{Layers: [a, a]}`},
		{"kinds differ: the function's wins", `{CodeUri: s3://b/k}`, `{CodeUri: {Bucket: b, Key: k}}`, `{CodeUri: {Bucket: b, Key: k}}`},
		{"list against scalar", `{Layers: [a]}`, `{Layers: b}`, `{Layers: b}`},
		{"an intrinsic is a scalar: the function's replaces a mapping",
			`{Environment: {Variables: {A: a}}}`, `{Environment: !If [C, {Variables: {B: b}}, !Ref AWS::NoValue]}`,
			`{Environment: !If [C, {Variables: {B: b}}, !Ref AWS::NoValue]}`},
		{"an intrinsic is a scalar: replaced by the function's mapping",
			`{Environment: !If [C, {Variables: {B: b}}, !Ref AWS::NoValue]}`, `{Environment: {Variables: {A: a}}}`,
			`{Environment: {Variables: {A: a}}}`},
		{"an intrinsic against an intrinsic", `{MemorySize: !Ref Size}`, `{MemorySize: !FindInMap [M, a, b]}`, `{MemorySize: !FindInMap [M, a, b]}`},
		{"an intrinsic list is not concatenated", `{Layers: !Ref LayerList}`, `{Layers: [a]}`, `{Layers: [a]}`},
		{"null in the function wins", `{Timeout: 3}`, `{Timeout: null}`, `{Timeout: null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, l, w := yamlValue(t, tt.global), yamlValue(t, tt.local), yamlValue(t, tt.want)
			gCopy, lCopy := yamlValue(t, tt.global), yamlValue(t, tt.local)
			if got := mergeGlobals(g, l); !reflect.DeepEqual(got, w) {
				t.Errorf("merge(%s, %s) = %#v, want %#v", tt.global, tt.local, got, w)
			}
			if !reflect.DeepEqual(g, gCopy) || !reflect.DeepEqual(l, lCopy) {
				t.Errorf("merge modified its arguments: %#v, %#v", g, l)
			}
		})
	}
}

// TestGlobalsOnlyServerless: Globals.Function applies to
// AWS::Serverless::Function, never to AWS::Lambda::Function.
func TestGlobalsOnlyServerless(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/code/app.py", "")
	path := dir + "/template.yaml"
	writeFile(t, path, `
Globals:
  Function: {Timeout: 30, Runtime: python3.12, Handler: app.h}
Resources:
  Sam: {Type: AWS::Serverless::Function, Properties: {CodeUri: code}}
  Cfn: {Type: AWS::Lambda::Function, Properties: {Code: code, Runtime: python3.11, Handler: app.g}}
`)
	fns, errs, err := Load(path, nil)
	if err != nil || len(errs) != 0 || len(fns) != 2 {
		t.Fatalf("Load = %v, %v, %v", names(fns), errs, err)
	}
	want := map[string]string{
		"Cfn": `{"Runtime":"python3.11","Handler":"app.g"}`,
		"Sam": `{"Runtime":"python3.12","Handler":"app.h","Timeout":30}`,
	}
	for _, fn := range fns {
		if string(fn.Definition) != want[fn.Name] {
			t.Errorf("%s: %s, want %s", fn.Name, fn.Definition, want[fn.Name])
		}
	}
}

func yamlValue(t *testing.T, s string) any {
	t.Helper()
	top, err := parse([]byte("v: " + s))
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return top["v"]
}
