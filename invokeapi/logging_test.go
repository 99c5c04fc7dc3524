package invokeapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// LoggingConfig through aws-sdk-go-v2: Text by default, JSON with its
// levels kept and echoed, levels refused with Text as Lambda refuses them,
// and an update that changes it.
func TestLoggingConfigWithSDK(t *testing.T) {
	client, _ := controlClient(t, nil, &fakeInvoker{})
	ctx := context.Background()
	code := &types.FunctionCode{ZipFile: zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})}
	create := func(name string, lc *types.LoggingConfig) (*lambda.CreateFunctionOutput, error) {
		return client.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: types.RuntimePython312, Handler: aws.String("app.handler"),
			Role: aws.String("arn:aws:iam::123456789012:role/x"), Code: code, LoggingConfig: lc,
		})
	}
	plain, err := create("plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	if lc := plain.LoggingConfig; lc == nil || lc.LogFormat != types.LogFormatText || aws.ToString(lc.LogGroup) != "/aws/lambda/plain" || lc.ApplicationLogLevel != "" {
		t.Errorf("default LoggingConfig %+v", lc)
	}
	js, err := create("js", &types.LoggingConfig{LogFormat: types.LogFormatJson, SystemLogLevel: types.SystemLogLevelWarn})
	if err != nil {
		t.Fatal(err)
	}
	if lc := js.LoggingConfig; lc.LogFormat != types.LogFormatJson || lc.ApplicationLogLevel != types.ApplicationLogLevelInfo || lc.SystemLogLevel != types.SystemLogLevelWarn {
		t.Errorf("JSON LoggingConfig %+v, want JSON, INFO (the default), WARN", lc)
	}
	_, err = create("bad", &types.LoggingConfig{LogFormat: types.LogFormatText, ApplicationLogLevel: types.ApplicationLogLevelDebug})
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "LogLevel is not supported") {
		t.Errorf("levels with Text: %v, want InvalidParameterValueException", err)
	}
	updated, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("plain"),
		LoggingConfig: &types.LoggingConfig{LogFormat: types.LogFormatJson, ApplicationLogLevel: types.ApplicationLogLevelDebug, LogGroup: aws.String("/mine")}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	for _, lc := range []*types.LoggingConfig{updated.LoggingConfig, got.LoggingConfig} {
		if lc.LogFormat != types.LogFormatJson || lc.ApplicationLogLevel != types.ApplicationLogLevelDebug || aws.ToString(lc.LogGroup) != "/mine" {
			t.Errorf("updated LoggingConfig %+v", lc)
		}
	}
}
