package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// lambdad serve answers the control plane's read side for the functions
// it serves: ListFunctions names every one that can run, GetFunction of a
// zip function gives the zip's own sha256 and size (as Lambda's CodeSha256
// and CodeSize), a broken one is an InvalidParameterValueException, and
// lambdad functions and the aws CLI v2 list them too.
func TestServeControlPlaneRead(t *testing.T) {
	bootstrap, err := os.ReadFile(gofn)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	zipPath := filepath.Join(dir, "gozip.zip")
	writeExecZip(t, zipPath, bootstrap, nil)
	if err := os.MkdirAll(filepath.Join(dir, "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "broken", "function.json"), []byte(`{"Runtime": "provided.al2023", "MemorySize": 64}`), 0o644)
	d := startDaemon(t, "--functions", dir)
	ctx := context.Background()

	list, err := d.client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range list.Functions {
		names = append(names, aws.ToString(f.FunctionName))
	}
	if !slices.Equal(names, []string{"gozip"}) {
		t.Errorf("ListFunctions: %v, want [gozip] (the broken one cannot run)", names)
	}

	zipData, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zipData)
	got, err := d.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("gozip")})
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Configuration; aws.ToString(c.CodeSha256) != base64.StdEncoding.EncodeToString(sum[:]) ||
		c.CodeSize != int64(len(zipData)) || c.Runtime != types.RuntimeProvidedal2023 || c.State != types.StateActive {
		t.Errorf("GetFunction gozip: sha %s size %d runtime %s state %s; want the zip's %s, %d",
			aws.ToString(c.CodeSha256), c.CodeSize, c.Runtime, c.State, base64.StdEncoding.EncodeToString(sum[:]), len(zipData))
	}
	var bad *types.InvalidParameterValueException
	if _, err := d.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("broken")}); !errors.As(err, &bad) ||
		!strings.Contains(err.Error(), "MemorySize") {
		t.Errorf("GetFunction broken: %v, want InvalidParameterValueException naming MemorySize", err)
	}

	listed, err := exec.Command(lambdad, "functions", "--endpoint", d.endpoint).CombinedOutput()
	if lines := strings.Split(strings.TrimSpace(string(listed)), "\n"); err != nil || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "NAME") || !strings.HasPrefix(lines[1], "gozip ") || !strings.Contains(lines[1], "provided.al2023") ||
		!strings.Contains(lines[1], strconv.Itoa(len(zipData))) || !strings.HasSuffix(lines[1], "Active") {
		t.Errorf("lambdad functions: %v\n%s", err, listed)
	}

	aws2 := awsCLIv2()
	if aws2 == "" {
		t.Log("the aws CLI v2 is not installed: its list-functions not tried")
		return
	}
	cmd := exec.Command(aws2, "lambda", "list-functions", "--endpoint-url", d.endpoint, "--query", "Functions[].FunctionName", "--output", "text")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "gozip" {
		t.Errorf("aws lambda list-functions: %v\n%s", err, out)
	}
}
