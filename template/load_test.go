package template

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/lambdad/lambdad/function"
)

// want is one Function expected of a template: paths relative to the
// template's directory, and the definition as JSON with $DIR for it.
type want struct {
	logicalID, base, zip, alias, def string
}

func TestLoadTemplates(t *testing.T) {
	tests := []struct {
		template string
		params   map[string]string
		fns      map[string]want
		errs     map[string][]string // name → substrings of its error
	}{{
		template: "python-hello",
		fns: map[string]want{
			"HelloWorldFunction": {logicalID: "HelloWorldFunction", base: "hello_world",
				def: `{"Runtime":"python3.12","Handler":"app.lambda_handler","MemorySize":128,"Timeout":3}`},
		},
	}, {
		template: "node-crud",
		fns: map[string]want{
			"local-get-all-items": {logicalID: "getAllItemsFunction", base: ".", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/get-all-items.getAllItemsHandler","MemorySize":256,"Timeout":100,
				"Environment":{"Variables":{"ALLOWED_ORIGIN":"https://example.com","LOG_LEVEL":"INFO","SAMPLE_TABLE":"local-dev-items","STAGE":"dev"}},
				"Layers":["$DIR/layers/shared"]}`},
			"getByIdFunction": {logicalID: "getByIdFunction", base: ".", alias: "live", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/get-by-id.getByIdHandler","MemorySize":512,"Timeout":100,
				"Environment":{"Variables":{"ALL_ITEMS_ARN":"arn:aws:lambda:us-east-1:000000000000:function:local-get-all-items",
					"ALL_ITEMS_FUNCTION":"local-get-all-items","LOG_LEVEL":"DEBUG","ORIGINS":"https://example.com https://admin.example.com",
					"SAMPLE_TABLE":"local-dev-items","STAGE":"dev"}},
				"ReservedConcurrentExecutions":2,"ProvisionedConcurrency":1,"Layers":["$DIR/layers/shared"]}`},
			"putItemFunction": {logicalID: "putItemFunction", base: ".", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/put-item.putItemHandler","MemorySize":256,"Timeout":100,
				"Environment":{"Variables":{"LOG_LEVEL":"INFO","QUEUE_ARN":"arn:aws:sqs:us-east-1:000000000000:items-dev",
					"QUEUE_URL":"https://sqs.us-east-1.amazonaws.com/000000000000/items-dev","SAMPLE_TABLE":"local-dev-items","STAGE":"dev",
					"TOPIC":"arn:aws:sns:us-east-1:000000000000:items"}},
				"EphemeralStorage":{"Size":1024},"Layers":["$DIR/layers/shared","$DIR/layers/debug.zip"]}`},
		},
	}, {
		template: "node-crud",
		params:   map[string]string{"Stage": "prod", "AWS::Region": "eu-west-1", "AWS::StackName": "shop", "LogLevel": "WARN"},
		fns: map[string]want{
			"shop-get-all-items": {logicalID: "getAllItemsFunction", base: ".", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/get-all-items.getAllItemsHandler","MemorySize":1024,"Timeout":100,
				"Environment":{"Variables":{"ALLOWED_ORIGIN":"https://example.com","LOG_LEVEL":"WARN","SAMPLE_TABLE":"shop-prod-items","STAGE":"prod"}},
				"Layers":["$DIR/layers/shared"]}`},
			"getByIdFunction": {logicalID: "getByIdFunction", base: ".", alias: "live", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/get-by-id.getByIdHandler","MemorySize":512,"Timeout":100,
				"Environment":{"Variables":{"ALL_ITEMS_ARN":"arn:aws:lambda:eu-west-1:000000000000:function:shop-get-all-items",
					"ALL_ITEMS_FUNCTION":"shop-get-all-items","LOG_LEVEL":"DEBUG","ORIGINS":"https://example.com https://admin.example.com",
					"SAMPLE_TABLE":"shop-prod-items","STAGE":"prod"}},
				"ReservedConcurrentExecutions":50,"ProvisionedConcurrency":5,"Layers":["$DIR/layers/shared"]}`},
			"putItemFunction": {logicalID: "putItemFunction", base: ".", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/put-item.putItemHandler","MemorySize":1024,"Timeout":100,
				"Environment":{"Variables":{"LOG_LEVEL":"WARN","QUEUE_ARN":"arn:aws:sqs:eu-west-1:000000000000:items-prod",
					"QUEUE_URL":"https://sqs.eu-west-1.amazonaws.com/000000000000/items-prod","SAMPLE_TABLE":"shop-prod-items","STAGE":"prod",
					"TOPIC":"arn:aws:sns:eu-west-1:000000000000:items"}},
				"EphemeralStorage":{"Size":1024},"Layers":["$DIR/layers/shared"]}`},
			"debugOnlyFunction": {logicalID: "debugOnlyFunction", base: ".", def: `{"Runtime":"nodejs20.x",
				"Handler":"src/handlers/debug.handler","MemorySize":1024,"Timeout":100,
				"Environment":{"Variables":{"LOG_LEVEL":"WARN","SAMPLE_TABLE":"shop-prod-items","STAGE":"prod"}},
				"Layers":["$DIR/layers/shared"]}`},
		},
	}, {
		template: "cfn-json",
		fns: map[string]want{
			"processor-test": {logicalID: "Processor", base: ".", zip: "build/processor.zip", def: `{"Runtime":"python3.12",
				"Handler":"processor.handle","MemorySize":192,"Timeout":30,
				"Environment":{"Variables":{"RETRIES":"3","TARGET_BUCKET":"test-000000000000-us-east-1","VERBOSE":"false"}},
				"Layers":["$DIR/build/deps-layer.zip"]}`},
		},
		errs: map[string][]string{
			"InlineGreeter": {"Resources.InlineGreeter: Code.ZipFile: inline source code is not supported"},
			"FromS3":        {"Resources.FromS3: Code.S3Bucket: an S3 location"},
			"Reporter": {"Resources.Reporter: Environment.Variables.DATABASE_URL: Ref DatabaseUrl cannot be resolved locally",
				"SSM Parameter Store", "--parameter-overrides DatabaseUrl=VALUE"},
		},
	}, {
		template: "cfn-json",
		params:   map[string]string{"DatabaseUrl": "postgres://localhost/app", "Environment": "ci", "AWS::AccountId": "123456789012"},
		fns: map[string]want{
			"processor-ci": {logicalID: "Processor", base: ".", zip: "build/processor.zip", def: `{"Runtime":"python3.12",
				"Handler":"processor.handle","MemorySize":192,"Timeout":30,
				"Environment":{"Variables":{"RETRIES":"3","TARGET_BUCKET":"ci-123456789012-us-east-1","VERBOSE":"false"}},
				"Layers":["$DIR/build/deps-layer.zip"]}`},
			"Reporter": {logicalID: "Reporter", base: "src/reporter", def: `{"Runtime":"python3.12","Handler":"report.handle",
				"Environment":{"Variables":{"DATABASE_URL":"postgres://localhost/app"}}}`},
		},
		errs: map[string][]string{"InlineGreeter": {"Code.ZipFile"}, "FromS3": {"Code.S3Bucket"}},
	}, {
		template: "cdk-synth",
		fns: map[string]want{
			"OrdersHandler5E6F7A8B": {logicalID: "OrdersHandler5E6F7A8B",
				base: "asset.3f1e2d4c5b6a79880f1e2d3c4b5a69788f7e6d5c4b3a29181f0e1d2c3b4a5968",
				def: `{"Runtime":"nodejs20.x","Handler":"index.handler","MemorySize":512,"Timeout":10,
				"Environment":{"Variables":{"POWERTOOLS_SERVICE_NAME":"orders","TABLE_NAME":"orders-local"}}}`},
		},
	}, {
		template: "go-and-images",
		fns: map[string]want{
			"HelloWorldFunction": {logicalID: "HelloWorldFunction", base: "hello-world", def: `{"Runtime":"provided.al2023",
				"Handler":"bootstrap","Timeout":5,"Environment":{"Variables":{"PARAM1":"VALUE","PARAM2":"aws:000000000000"}}}`},
			"BuiltImageFunction": {logicalID: "BuiltImageFunction", base: ".", def: `{"MemorySize":512,"Timeout":5,
				"Environment":{"Variables":{"PARAM1":"VALUE"}},"PackageType":"Image",
				"ImageUri":"public.ecr.aws/lambda/python:3.12-latest",
				"ImageConfig":{"Command":["app.lambda_handler"],"WorkingDirectory":"/var/task"}}`},
		},
		errs: map[string][]string{
			"SourceImageFunction": {"Resources.SourceImageFunction: ImageUri: absent, and Metadata.DockerContext", "build it first"},
			"InsightsFunction":    {"Resources.InsightsFunction: Layers[0]", "is a layer ARN, and lambdad has no layer registry"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			path := stage(t, tt.template, code[tt.template])
			dir := filepath.Dir(path)
			fns, errs, err := Load(path, tt.params)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := map[string]Function{}
			for _, fn := range fns {
				got[fn.Name] = fn
			}
			if !sort.SliceIsSorted(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name }) {
				t.Errorf("functions not sorted by name: %v", names(fns))
			}
			if len(got) != len(tt.fns) {
				t.Errorf("functions %v, want %d of them; errs %v", names(fns), len(tt.fns), errs)
			}
			for name, w := range tt.fns {
				fn, ok := got[name]
				if !ok {
					t.Errorf("no function %s; errs[%s] = %v", name, name, errs[name])
					continue
				}
				checkFunction(t, dir, path, fn, w)
			}
			if len(errs) != len(tt.errs) {
				t.Errorf("errs %v, want %d of them", errs, len(tt.errs))
			}
			for name, subs := range tt.errs {
				err := errs[name]
				if err == nil {
					t.Errorf("errs[%s] = nil, want an error", name)
					continue
				}
				if !errors.Is(err, function.ErrInvalidConfig) {
					t.Errorf("errs[%s] = %v: not a *function.FieldError", name, err)
				}
				for _, s := range append(subs, path) {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("errs[%s] = %q, want it to say %q", name, err, s)
					}
				}
			}
		})
	}
}

func names(fns []Function) []string {
	var out []string
	for _, fn := range fns {
		out = append(out, fn.Name)
	}
	return out
}

func checkFunction(t *testing.T, dir, path string, fn Function, w want) {
	t.Helper()
	if fn.LogicalID != w.logicalID || fn.AutoPublishAlias != w.alias {
		t.Errorf("%s: LogicalID %q, AutoPublishAlias %q; want %q, %q", fn.Name, fn.LogicalID, fn.AutoPublishAlias, w.logicalID, w.alias)
	}
	if wantSource := path + ": Resources." + w.logicalID; fn.Source != wantSource {
		t.Errorf("%s: Source %q, want %q", fn.Name, fn.Source, wantSource)
	}
	if wantBase := filepath.Join(dir, w.base); fn.Base != wantBase {
		t.Errorf("%s: Base %q, want %q", fn.Name, fn.Base, wantBase)
	}
	wantZip := ""
	if w.zip != "" {
		wantZip = filepath.Join(dir, w.zip)
	}
	if fn.ZipFile != wantZip {
		t.Errorf("%s: ZipFile %q, want %q", fn.Name, fn.ZipFile, wantZip)
	}
	var gotDef, wantDef any
	if err := json.Unmarshal(fn.Definition, &gotDef); err != nil {
		t.Fatalf("%s: Definition %s: %v", fn.Name, fn.Definition, err)
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(w.def, "$DIR", dir)), &wantDef); err != nil {
		t.Fatalf("%s: the test's definition: %v", fn.Name, err)
	}
	if !reflect.DeepEqual(gotDef, wantDef) {
		t.Errorf("%s: Definition\n%s\nwant\n%s", fn.Name, fn.Definition, strings.ReplaceAll(w.def, "$DIR", dir))
	}
}

func TestLoadTemplateErrors(t *testing.T) {
	tests := []struct {
		name, template string
		params         map[string]string
		want           string
	}{
		{"bad YAML", "Resources:\n  A: [\n", nil, "malformed YAML"},
		{"bad JSON", `{"Resources": {"A": }`, nil, "malformed JSON at line 1, column"},
		{"no Resources", "AWSTemplateFormatVersion: '2010-09-09'\nParameters: {}\n", nil, "no Resources"},
		{"empty Resources", "Resources: {}\n", nil, "no Resources"},
		{"Resources a list", "Resources: [a]\n", nil, "section Resources: want a mapping"},
		{"a list", "- a\n", nil, "want a mapping of sections"},
		{"empty", "", nil, "empty template"},
		{"two documents", "Resources: {A: {Type: X}}\n---\nResources: {}\n", nil, "more than one YAML document"},
		{"duplicate key", "Resources:\n  A: {Type: X}\n  A: {Type: Y}\n", nil, `duplicate key "A"`},
		{"unknown override", "Resources: {A: {Type: X}}\n", map[string]string{"Stage": "x"}, "parameter overrides Stage: the template declares no such parameter"},
		{"not allowed", "Parameters: {Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}}\nResources: {A: {Type: X}}\n",
			map[string]string{"Stage": "qa"}, `parameter Stage: "qa" is not one of its AllowedValues`},
		{"Globals a list", "Globals: [a]\nResources: {A: {Type: X}}\n", nil, "section Globals: want a mapping"},
		{"resource a string", "Resources: {A: x}\n", nil, "resource A: want a mapping with Type and Properties"},
		{"alias bomb", aliasBomb(), nil, "expands to more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "template.yaml")
			writeFile(t, path, tt.template)
			fns, errs, err := Load(path, tt.params)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, %v, %v; want an error saying %q", fns, errs, err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the template", err)
			}
		})
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(absent) = %v, want ErrNotExist", err)
	}
}

// aliasBomb is a YAML document of a few lines whose aliases expand to
// 10⁹ values.
func aliasBomb() string {
	s := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 9; i++ {
		s += "a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat("*a"+string(rune('0'+i-1))+", ", 9) + "*a" + string(rune('0'+i-1)) + "]\n"
	}
	return s + "Resources: {A: {Type: X, Properties: *a8}}\n"
}

// TestLoadFunctionProblems: one broken function does not stop the others,
// and its error names the function, the property and the intrinsic.
func TestLoadFunctionProblems(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok/app.py"), "")
	writeFile(t, filepath.Join(dir, "layer.zip"), "")
	path := filepath.Join(dir, "template.yaml")
	writeFile(t, path, `
Parameters:
  NoDefault: {Type: String}
Conditions:
  Loop: !Condition Loop
Resources:
  Good:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ok, Handler: app.h, Runtime: python3.12, Role: !ImportValue ignored-role}
  Imported:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ok
      Environment: {Variables: {A: !ImportValue shared-table, B: ok}}
  Unnamed:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ok, Handler: !Ref NoDefault}
  Role:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ok, Environment: {Variables: {R: !GetAtt Role2.Arn}}}
  Role2: {Type: AWS::IAM::Role}
  Missing:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: nowhere}
  S3:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: {Bucket: b, Key: k}}
  S3Uri:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k.zip}
  Inline:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "def h(e, c): pass", Handler: index.h, Runtime: python3.12}
  BadTypes:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ok, MemorySize: lots, Timeout: true, Environment: {Variables: {L: [a]}}}
  Looping:
    Type: AWS::Serverless::Function
    Condition: Loop
    Properties: {CodeUri: ok}
  LayerS3:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ok, Layers: [!Ref S3Layer]}
  S3Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: {Bucket: b, Key: k}}
  LayerInEnv:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ok, Environment: {Variables: {L: !Ref LocalLayer}}}
  LocalLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer.zip}
  Dup1:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: same, Code: ok}
  Dup2:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: same, Code: ok}
  NoCode:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12}
  Fn::ForEach::Topics:
    - Name
    - [A, B]
    - Topic${Name}: {Type: AWS::SNS::Topic}
`)
	fns, errs, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != 1 || fns[0].Name != "Good" {
		t.Errorf("functions %v, want [Good]", names(fns))
	}
	want := map[string]string{
		"Imported":            "Resources.Imported: Environment.Variables.A: Fn::ImportValue cannot be resolved locally: it is another stack's export",
		"Unnamed":             "Resources.Unnamed: Handler: Ref NoDefault cannot be resolved locally: parameter NoDefault has no Default",
		"Role":                "Resources.Role: Environment.Variables.R: Fn::GetAtt Role2.Arn cannot be resolved locally: Role2 is a AWS::IAM::Role",
		"Missing":             "Resources.Missing: CodeUri: stat " + filepath.Join(dir, "nowhere") + ": no such file or directory",
		"S3":                  "Resources.S3: CodeUri: an S3 location (Bucket, Key)",
		"S3Uri":               `Resources.S3Uri: CodeUri: "s3://b/k.zip" is in S3`,
		"Inline":              "Resources.Inline: InlineCode: inline code is not supported",
		"BadTypes":            "Resources.BadTypes: MemorySize: want an integer, got \"lots\"\n" + path + ": Resources.BadTypes: Timeout: want an integer, got true\n" + path + ": Resources.BadTypes: Environment.Variables.L: want a string, got a list",
		"Looping":             "Resources.Looping: Condition: condition Loop: condition Loop refers to itself",
		"LayerS3":             "Resources.LayerS3: Layers[0]: layer S3Layer: ContentUri: an S3 location",
		"LayerInEnv":          "Resources.LayerInEnv: Environment.Variables.L: want a string, got a Ref to the layer LocalLayer",
		"same":                "Resources.Dup1 and Resources.Dup2 are both the function same",
		"NoCode":              "Resources.NoCode: Code: required",
		"Fn::ForEach::Topics": "Resources.Fn::ForEach::Topics: Fn::ForEach (AWS::LanguageExtensions) is not supported",
	}
	for name, s := range want {
		if err := errs[name]; err == nil || !strings.Contains(err.Error(), path+": "+s) {
			t.Errorf("errs[%s] = %v\nwant it to say %q", name, err, path+": "+s)
		}
	}
	for name, err := range errs {
		if !errors.Is(err, function.ErrInvalidConfig) {
			t.Errorf("errs[%s] = %v: not a *function.FieldError", name, err)
		}
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected errs[%s] = %v", name, err)
		}
	}
}

// A resource CloudFormation would name (a SimpleTable without TableName,
// as sam init's templates have) stands for itself by its logical ID, as
// under sam local, and the function says so in its Warnings.
func TestUnnamedResourceWarns(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "src/app.mjs"), "")
	path := filepath.Join(dir, "template.yaml")
	writeFile(t, path, `
Resources:
  SampleTable:
    Type: AWS::Serverless::SimpleTable
  Named:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: orders}
  putItemFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      Environment:
        Variables:
          SAMPLE_TABLE: !Ref SampleTable
          ORDERS: !Ref Named
`)
	fns, errs, err := Load(path, nil)
	if err != nil || len(errs) != 0 || len(fns) != 1 {
		t.Fatalf("Load: %v %v %v", names(fns), errs, err)
	}
	var def struct {
		Environment struct{ Variables map[string]string }
	}
	if err := json.Unmarshal(fns[0].Definition, &def); err != nil {
		t.Fatal(err)
	}
	if v := def.Environment.Variables; v["SAMPLE_TABLE"] != "SampleTable" || v["ORDERS"] != "orders" {
		t.Errorf("variables %v", v)
	}
	if w := fns[0].Warnings; len(w) != 1 || !strings.Contains(w[0], "Resources.putItemFunction") ||
		!strings.Contains(w[0], `logical ID "SampleTable" stands for its TableName`) {
		t.Errorf("warnings %q", w)
	}
}
