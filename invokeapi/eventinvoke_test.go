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

	"github.com/lambdad/lambdad/function"
)

// The event invoke config operations round-trip through aws-sdk-go-v2:
// put, get, update, list, delete; Lambda's exceptions for what is
// refused, SQS and SNS destinations among them; a read-only function's
// configuration read, not changed; an Event invoke carries its qualifier.
func TestEventInvokeConfigWithSDK(t *testing.T) {
	inv := &fakeInvoker{}
	ro := function.Config{Name: "ro", Runtime: "python3.12", Handler: "app.handler", MemorySize: 128, Timeout: 3,
		EphemeralStorageMB: 512, CodeDir: t.TempDir(), Source: "/srv/functions/ro/function.json",
		EventInvoke: &function.EventInvokeConfig{MaximumRetryAttempts: aws.Int(1)}}
	client, _ := controlClient(t, map[string]function.Config{"ro": ro}, inv)
	ctx := context.Background()
	if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("fn"), Runtime: types.RuntimePython312,
		Handler: aws.String("app.handler"), Role: aws.String("arn:aws:iam::123456789012:role/x"),
		Code: &types.FunctionCode{ZipFile: zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})}}); err != nil {
		t.Fatal(err)
	}

	var notFound *types.ResourceNotFoundException
	if _, err := client.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")}); !errors.As(err, &notFound) {
		t.Errorf("Get before Put: %v, want ResourceNotFoundException", err)
	}
	before := time.Now().Add(-time.Second)
	put, err := client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		MaximumRetryAttempts: aws.Int32(0), DestinationConfig: &types.DestinationConfig{
			OnFailure: &types.OnFailure{Destination: aws.String("file:///tmp/failed")},
			OnSuccess: &types.OnSuccess{Destination: aws.String("arn:aws:lambda:us-east-1:123456789012:function:next")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(put.MaximumRetryAttempts) != 0 || aws.ToInt32(put.MaximumEventAgeInSeconds) != 21600 ||
		aws.ToString(put.FunctionArn) != "arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST" ||
		put.LastModified == nil || put.LastModified.Before(before) ||
		aws.ToString(put.DestinationConfig.OnFailure.Destination) != "file:///tmp/failed" {
		t.Errorf("Put = %+v", put)
	}
	upd, err := client.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		Qualifier: aws.String("$LATEST"), MaximumEventAgeInSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(upd.MaximumRetryAttempts) != 0 || aws.ToInt32(upd.MaximumEventAgeInSeconds) != 3600 ||
		aws.ToString(upd.DestinationConfig.OnSuccess.Destination) != "arn:aws:lambda:us-east-1:123456789012:function:next" {
		t.Errorf("Update = %+v", upd)
	}
	got, err := client.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")})
	if err != nil || aws.ToInt32(got.MaximumEventAgeInSeconds) != 3600 {
		t.Errorf("Get = %+v, %v", got, err)
	}
	list, err := client.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("fn")})
	if err != nil || len(list.FunctionEventInvokeConfigs) != 1 {
		t.Errorf("List = %+v, %v", list, err)
	}

	var invalid *types.InvalidParameterValueException
	for _, in := range []*lambda.PutFunctionEventInvokeConfigInput{
		{MaximumRetryAttempts: aws.Int32(3)},
		{MaximumEventAgeInSeconds: aws.Int32(10)},
		{DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")}}},
	} {
		in.FunctionName = aws.String("fn")
		if _, err := client.PutFunctionEventInvokeConfig(ctx, in); !errors.As(err, &invalid) {
			t.Errorf("Put %+v: %v, want InvalidParameterValueException", in, err)
		}
	}
	_, err = client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("fn"),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String("arn:aws:sns:us-east-1:123456789012:t")}}})
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "no Amazon SQS, SNS") {
		t.Errorf("an SNS destination: %v", err)
	}
	if _, err := client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("nope")}); !errors.As(err, &notFound) {
		t.Errorf("Put of a function that is not there: %v", err)
	}

	roCfg, err := client.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("ro")})
	if err != nil || aws.ToInt32(roCfg.MaximumRetryAttempts) != 1 {
		t.Errorf("a read-only function's configuration: %+v, %v", roCfg, err)
	}
	if _, err := client.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ro")}); err == nil {
		t.Error("the API changed a read-only function's configuration")
	}

	if _, err := client.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("fn")}); !errors.As(err, &notFound) {
		t.Errorf("a second delete: %v, want ResourceNotFoundException", err)
	}
}
