package invokeapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// The function URL operations round-trip through aws-sdk-go-v2: create on
// $LATEST and on an alias, get, update (Cors replaced whole), list,
// delete, what deleting the alias and the function take with them; and
// Lambda's exceptions for what is refused.
func TestFunctionURLsWithSDK(t *testing.T) {
	dirFn := function.Config{Name: "from-dir", Runtime: "python3.12", Handler: "app.handler", MemorySize: 128, Timeout: 3,
		EphemeralStorageMB: 512, CodeDir: t.TempDir(), Source: "/srv/functions/from-dir/function.json",
		URL: &function.URLConfig{AuthType: function.URLAuthNone}}
	client, cat := controlClient(t, map[string]function.Config{"from-dir": dirFn}, &fakeInvoker{})
	ctx := context.Background()
	if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("Fn"), Runtime: types.RuntimePython312, Handler: aws.String("app.handler"),
		Role: aws.String("arn:aws:iam::123456789012:role/x"), Publish: true,
		Code: &types.FunctionCode{ZipFile: zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("Fn"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}

	before := time.Now().UTC().Add(-time.Second)
	created, err := client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String("Fn"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"https://example.com"}, AllowMethods: []string{"GET"}, MaxAge: aws.Int32(60)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(created.FunctionUrl); got != "http://fn.lambda-url.localhost/" {
		t.Errorf("FunctionUrl %q", got)
	}
	if got := aws.ToString(created.FunctionArn); got != "arn:aws:lambda:us-east-1:123456789012:function:Fn" {
		t.Errorf("FunctionArn %q", got)
	}
	if created.InvokeMode != types.InvokeModeBuffered || created.AuthType != types.FunctionUrlAuthTypeNone {
		t.Errorf("InvokeMode %q AuthType %q", created.InvokeMode, created.AuthType)
	}
	if ct, err := time.Parse(urlTimeFormat, aws.ToString(created.CreationTime)); err != nil || ct.Before(before) {
		t.Errorf("CreationTime %q: %v", aws.ToString(created.CreationTime), err)
	}
	if c := created.Cors; c == nil || aws.ToInt32(c.MaxAge) != 60 || len(c.AllowOrigins) != 1 {
		t.Errorf("Cors %+v", created.Cors)
	}

	var conflict *types.ResourceConflictException
	if _, err := client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), AuthType: types.FunctionUrlAuthTypeNone}); !errors.As(err, &conflict) {
		t.Errorf("second create: %v, want ResourceConflictException", err)
	}
	aliased, err := client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), Qualifier: aws.String("live"),
		AuthType: types.FunctionUrlAuthTypeAwsIam, InvokeMode: types.InvokeModeResponseStream})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(aliased.FunctionUrl) != "http://fn--live.lambda-url.localhost/" || aws.ToString(aliased.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:Fn:live" {
		t.Errorf("alias URL %q %q", aws.ToString(aliased.FunctionUrl), aws.ToString(aliased.FunctionArn))
	}

	updated, err := client.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("Fn"),
		Cors: &types.Cors{AllowOrigins: []string{"*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := updated.Cors; c == nil || c.MaxAge != nil || len(c.AllowMethods) != 0 || c.AllowOrigins[0] != "*" || updated.AuthType != types.FunctionUrlAuthTypeNone {
		t.Errorf("updated %+v %+v", updated.Cors, updated.AuthType)
	}
	if aws.ToString(updated.LastModifiedTime) == "" {
		t.Error("no LastModifiedTime")
	}
	got, err := client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("Fn"), Qualifier: aws.String("live")})
	if err != nil || got.InvokeMode != types.InvokeModeResponseStream || got.AuthType != types.FunctionUrlAuthTypeAwsIam {
		t.Errorf("get alias URL: %+v, %v", got, err)
	}
	list, err := client.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("Fn")})
	if err != nil || len(list.FunctionUrlConfigs) != 2 || aws.ToString(list.FunctionUrlConfigs[1].FunctionUrl) != "http://fn--live.lambda-url.localhost/" {
		t.Errorf("list: %+v, %v", list, err)
	}
	if u, ok := cat.LookupURL("fn--live"); !ok || u.Function != "Fn" || u.Qualifier != "live" {
		t.Errorf("LookupURL fn--live: %+v %v", u, ok)
	}

	var bad *types.InvalidParameterValueException
	var notFound *types.ResourceNotFoundException
	for _, tc := range []struct {
		name string
		in   *lambda.CreateFunctionUrlConfigInput
		want any
	}{
		{"bad auth type", &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), AuthType: "OPEN"}, &bad},
		{"no alias", &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), Qualifier: aws.String("x"), AuthType: "NONE"}, &notFound},
		{"no function", &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("other"), AuthType: "NONE"}, &notFound},
		{"version qualifier", &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), Qualifier: aws.String("1"), AuthType: "NONE"}, &bad},
		{"max age", &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), AuthType: "NONE", Cors: &types.Cors{MaxAge: aws.Int32(86401)}}, &bad},
		{"read-only", &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("from-dir"), Qualifier: aws.String("live"), AuthType: "NONE"}, &conflict},
	} {
		_, err := client.CreateFunctionUrlConfig(ctx, tc.in)
		if !errors.As(err, tc.want) {
			t.Errorf("%s: %v, want %T", tc.name, err, tc.want)
		}
	}
	for _, in := range []*lambda.UpdateFunctionUrlConfigInput{
		{FunctionName: aws.String("Fn"), AuthType: "OPEN"},
		{FunctionName: aws.String("Fn"), InvokeMode: "LATER"},
		{FunctionName: aws.String("Fn"), Cors: &types.Cors{MaxAge: aws.Int32(86401)}},
		{FunctionName: aws.String("Fn"), Cors: &types.Cors{AllowMethods: []string{"GET", "PUT", "POST", "HEAD", "PATCH", "DELETE", "OPTIONS"}}},
		{FunctionName: aws.String("Fn"), Cors: &types.Cors{AllowOrigins: []string{strings.Repeat("o", 254)}}},
	} {
		if _, err := client.UpdateFunctionUrlConfig(ctx, in); !errors.As(err, &bad) {
			t.Errorf("update %+v: %v, want InvalidParameterValueException", in, err)
		}
	}
	if _, err := client.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("from-dir"), AuthType: "AWS_IAM"}); !errors.As(err, &conflict) ||
		!strings.Contains(err.Error(), "read-only") {
		t.Errorf("update of a read-only function's URL: %v", err)
	}
	ro, err := client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("from-dir")})
	if err != nil || aws.ToString(ro.FunctionUrl) != "http://from-dir.lambda-url.localhost/" {
		t.Errorf("read-only URL: %+v, %v", ro, err)
	}
	if _, err := client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("nope")}); !errors.As(err, &notFound) ||
		!strings.Contains(err.Error(), "Function not found") {
		t.Errorf("URL of no function: %v", err)
	}

	// Deleting the alias deletes its URL; deleting the URL, then the function, the rest.
	if _, err := client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("Fn"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.LookupURL("fn--live"); ok {
		t.Error("the alias's URL outlived the alias")
	}
	if _, err := client.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("Fn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("Fn")}); !errors.As(err, &notFound) {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := client.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("Fn")}); !errors.As(err, &notFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("Fn"), AuthType: "NONE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("Fn")}); err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.LookupURL("fn"); ok {
		t.Error("the URL outlived its function")
	}
	if urls := cat.URLs(); len(urls) != 1 || urls[0].Function != "from-dir" {
		t.Errorf("URLs left: %+v", urls)
	}
}

// An API function's URL whose id another URL has is refused.
func TestFunctionURLIDCollision(t *testing.T) {
	client, _ := controlClient(t, nil, &fakeInvoker{})
	ctx := context.Background()
	for _, name := range []string{"hello", "HELLO"} {
		if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: types.RuntimePython312, Handler: aws.String("app.handler"),
			Role: aws.String("arn:aws:iam::123456789012:role/x"),
			Code: &types.FunctionCode{ZipFile: zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})},
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("hello"), AuthType: "NONE"}); err != nil {
		t.Fatal(err)
	}
	var conflict *types.ResourceConflictException
	if _, err := client.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("HELLO"), AuthType: "NONE"}); !errors.As(err, &conflict) {
		t.Errorf("colliding id: %v, want ResourceConflictException", err)
	}
}

// URLs persist with their function.
func TestFunctionURLsPersist(t *testing.T) {
	dir := t.TempDir()
	cat, err := catalog.Open(catalog.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Create(catalog.CreateRequest{Name: "fn", Definition: []byte(`{"Runtime":"python3.12","Handler":"app.handler"}`),
		Zip: zipOf(t, map[string]string{"app.py": "x = 1\n"})}); err != nil {
		t.Fatal(err)
	}
	want := function.URLConfig{AuthType: "NONE", InvokeMode: "RESPONSE_STREAM", Cors: &function.Cors{AllowOrigins: []string{"*"}, MaxAge: 5}}
	if _, err := cat.CreateURL("fn", "", want); err != nil {
		t.Fatal(err)
	}
	cat.Close()
	cat, err = catalog.Open(catalog.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	u, err := cat.URL("fn", "$LATEST")
	if err != nil || u.ID != "fn" || u.Config.InvokeMode != want.InvokeMode || u.Config.Cors.MaxAge != 5 || u.Created.IsZero() {
		t.Errorf("after reopening: %+v, %v", u, err)
	}
}
