package template

import (
	"os"
	"path/filepath"
	"testing"
)

// A SAM function's FunctionUrlConfig becomes function.json's, parameters
// resolved.
func TestFunctionURLConfig(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(`AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Origin: {Type: String, Default: "https://example.com"}
Resources:
  Web:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Runtime: python3.12
      Handler: app.handler
      FunctionUrlConfig:
        AuthType: NONE
        InvokeMode: RESPONSE_STREAM
        Cors:
          AllowOrigins: [!Ref Origin]
          AllowMethods: [GET]
          AllowCredentials: true
          MaxAge: 60
  Bad:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Runtime: python3.12
      Handler: app.handler
      FunctionUrlConfig:
        AuthType: NONE
        Cors: [oops]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	fns, errs, err := Load(tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != 1 || errs["Bad"] == nil {
		t.Fatalf("functions %+v, errors %v", fns, errs)
	}
	want := `{"Runtime":"python3.12","Handler":"app.handler","FunctionUrlConfig":{"AuthType":"NONE","InvokeMode":"RESPONSE_STREAM",` +
		`"Cors":{"AllowCredentials":true,"AllowMethods":["GET"],"AllowOrigins":["https://example.com"],"MaxAge":60}}}`
	if got := string(fns[0].Definition); got != want {
		t.Errorf("definition\n%s\nwant\n%s", got, want)
	}
}
