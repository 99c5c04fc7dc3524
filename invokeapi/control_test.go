package invokeapi

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/function"
)

// The control plane's read side round-trips through aws-sdk-go-v2's
// deserializers: GetFunction, GetFunctionConfiguration, ListFunctions with
// paging, GetAccountSettings, and AWS's errors.
func TestControlPlaneReadWithSDK(t *testing.T) {
	code := t.TempDir()
	if err := os.WriteFile(filepath.Join(code, "handler.py"), []byte("def handler(e, c): return e\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reserved := 4
	fns := map[string]function.Config{}
	for i := range 7 {
		name := fmt.Sprintf("fn-%d", i)
		fns[name] = function.Config{Name: name, Runtime: "python3.11", Handler: "handler.handler", MemorySize: 256, Timeout: 9,
			EphemeralStorageMB: 512, CodeDir: code, Env: map[string]string{"GREETING": "hi"}}
	}
	fns["img"] = function.Config{Name: "img", PackageType: function.PackageImage, ImageURI: "127.0.0.1:5000/fn:v1",
		ImageConfig: function.ImageConfig{Command: []string{"app.handler"}}, MemorySize: 128, Timeout: 3, EphemeralStorageMB: 512,
		ReservedConcurrency: &reserved}
	srv := httptest.NewServer(NewHandler(Config{Functions: staticCatalog(fns, nil), Invoker: &fakeInvoker{}, Queue: &fakeQueue{}}))
	t.Cleanup(srv.Close)
	client := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), RetryMaxAttempts: 1})
	ctx := context.Background()

	got, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn-3")})
	if err != nil {
		t.Fatal(err)
	}
	c := got.Configuration
	wantSHA, wantSize, _ := function.CodeDigest(fns["fn-3"])
	if aws.ToString(c.FunctionName) != "fn-3" || aws.ToString(c.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:fn-3" ||
		c.Runtime != types.RuntimePython311 || aws.ToString(c.Handler) != "handler.handler" || aws.ToInt32(c.MemorySize) != 256 ||
		aws.ToInt32(c.Timeout) != 9 || c.State != types.StateActive || c.LastUpdateStatus != types.LastUpdateStatusSuccessful ||
		c.PackageType != types.PackageTypeZip || aws.ToString(c.CodeSha256) != wantSHA || c.CodeSize != wantSize || wantSize != 28 ||
		c.Environment == nil || c.Environment.Variables["GREETING"] != "hi" || aws.ToString(c.Version) != "$LATEST" ||
		aws.ToString(c.RevisionId) == "" || aws.ToString(c.LastModified) == "" {
		t.Errorf("GetFunction fn-3: %+v", c)
	}
	if got.Code == nil || aws.ToString(got.Code.Location) != "file://"+code {
		t.Errorf("GetFunction fn-3's code: %+v", got.Code)
	}

	img, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:img")})
	if err != nil {
		t.Fatal(err)
	}
	if img.Configuration.PackageType != types.PackageTypeImage || aws.ToString(img.Code.ImageUri) != "127.0.0.1:5000/fn:v1" ||
		img.Concurrency == nil || aws.ToInt32(img.Concurrency.ReservedConcurrentExecutions) != 4 ||
		img.Configuration.ImageConfigResponse == nil || img.Configuration.ImageConfigResponse.ImageConfig.Command[0] != "app.handler" {
		t.Errorf("GetFunction img: %+v %+v %+v", img.Configuration, img.Code, img.Concurrency)
	}

	cfg, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn-3"), Qualifier: aws.String("$LATEST")})
	if err != nil || aws.ToString(cfg.RevisionId) != aws.ToString(c.RevisionId) {
		t.Errorf("GetFunctionConfiguration: %+v, %v", cfg, err)
	}

	var names []string
	pages := lambda.NewListFunctionsPaginator(client, &lambda.ListFunctionsInput{MaxItems: aws.Int32(3)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Functions) > 3 {
			t.Errorf("a page of %d functions, MaxItems 3", len(page.Functions))
		}
		for _, f := range page.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	if fmt.Sprint(names) != "[fn-0 fn-1 fn-2 fn-3 fn-4 fn-5 fn-6 img]" {
		t.Errorf("ListFunctions: %v", names)
	}

	acct, err := client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if acct.AccountUsage.FunctionCount != 8 || acct.AccountUsage.TotalCodeSize != 7*wantSize ||
		aws.ToInt32(acct.AccountLimit.UnreservedConcurrentExecutions) != 996 || acct.AccountLimit.ConcurrentExecutions != 1000 {
		t.Errorf("GetAccountSettings: %+v %+v", acct.AccountLimit, acct.AccountUsage)
	}

	var nf *types.ResourceNotFoundException
	if _, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")}); !errors.As(err, &nf) {
		t.Errorf("GetFunction of an unknown function: %v, want ResourceNotFoundException", err)
	}
	if _, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn-1"), Qualifier: aws.String("7")}); !errors.As(err, &nf) {
		t.Errorf("GetFunction of version 7: %v, want ResourceNotFoundException", err)
	}
	var bad *types.InvalidParameterValueException
	if _, err := client.ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: aws.String("!!")}); !errors.As(err, &bad) {
		t.Errorf("ListFunctions with a bad marker: %v, want InvalidParameterValueException", err)
	}
}
