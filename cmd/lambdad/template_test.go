package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// samTemplate is a SAM application in the shape sam init makes: Globals,
// parameters, a function per directory, an alias, and one function whose
// environment imports another stack's export (which cannot resolve here).
const samTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: lambdad's template test
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Globals:
  Function:
    Timeout: 5
    MemorySize: 256
    Runtime: provided.al2023
    Handler: bootstrap
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub 'hello-${Stage}'
      CodeUri: hello/
      AutoPublishAlias: live
      Environment:
        Variables:
          GREETING: !Join [' ', [hello, !Ref 'AWS::Region']]
  ImportingFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Environment:
        Variables:
          TABLE: !ImportValue shared-table
`

// lambdad serve --template serves a SAM template's functions, with
// Globals, parameters (--parameter-overrides), intrinsic functions and
// AutoPublishAlias; a function whose field cannot resolve is an error
// naming it, and the others serve; an edit of the template reloads.
func TestServeTemplate(t *testing.T) {
	bootstrap, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.MkdirAll(filepath.Join(dir, "hello"), 0o755)
	os.WriteFile(filepath.Join(dir, "hello", "bootstrap"), bootstrap, 0o755)
	tmpl := filepath.Join(dir, "template.yaml")
	os.WriteFile(tmpl, []byte(samTemplate), 0o644)
	d := startDaemon(t, "--template", tmpl, "--parameter-overrides", "Stage=prod")
	env := func(name, variable string) (string, error) {
		text, _, err := gofnText(d, name, `{"mode":"env","text":"`+variable+`"}`)
		return text, err
	}
	for _, tc := range []struct{ name, variable, want string }{
		{"hello-prod", "STAGE", "prod"},
		{"hello-prod", "GREETING", "hello us-east-1"},
		{"hello-prod:live", "STAGE", "prod"},
		{"hello-prod", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"},
	} {
		if got, err := env(tc.name, tc.variable); err != nil || got != tc.want {
			t.Errorf("%s's %s: %q, %v; want %q\n%s", tc.name, tc.variable, got, err, tc.want, d.output)
		}
	}
	if _, err := d.invoke("ImportingFunction", `{}`); err == nil || !strings.Contains(err.Error(), "ImportValue") {
		t.Errorf("ImportingFunction: %v, want an error naming Fn::ImportValue", err)
	}
	got, err := d.client.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("hello-prod")})
	if err != nil || !strings.Contains(aws.ToString(got.Configuration.FunctionArn), ":function:hello-prod") {
		t.Errorf("GetFunction hello-prod: %+v, %v", got, err)
	}
	var conflict *types.ResourceConflictException
	if _, err := d.client.DeleteFunction(t.Context(), &lambda.DeleteFunctionInput{FunctionName: aws.String("hello-prod")}); !errors.As(err, &conflict) ||
		!strings.Contains(err.Error(), tmpl) {
		t.Errorf("DeleteFunction of a template's function: %v, want ResourceConflictException naming %s", err, tmpl)
	}

	writeAtomic(t, tmpl, strings.Replace(samTemplate, "MemorySize: 256", "MemorySize: 512", 1))
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got, _ := env("hello-prod", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"); got == "512" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the template's edit did not take effect:\n%s", d.output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
