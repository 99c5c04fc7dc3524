package catalog_test

import (
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// Event invoke configurations: put, update, get, list, delete; Lookup
// gives the qualifier's; they persist with the function.
func TestEventInvokeConfig(t *testing.T) {
	dir := t.TempDir()
	c := openAt(t, options(dir, nil))
	create(t, c, "fn", "x")
	if _, err := c.EventInvokeConfig("fn", ""); err == nil {
		t.Fatal("a configuration before any was put")
	}
	dest := &function.DestinationConfig{OnFailure: &function.Destination{Destination: "file:///tmp/failed"}}
	got, err := c.PutEventInvokeConfig("fn", "", function.EventInvokeConfig{MaximumRetryAttempts: ptr(0), DestinationConfig: dest})
	if err != nil {
		t.Fatal(err)
	}
	if got.Qualifier != "$LATEST" || got.Config.RetryAttempts() != 0 || got.LastModified.IsZero() {
		t.Errorf("Put = %+v", got)
	}
	got, err = c.UpdateEventInvokeConfig("fn", "$LATEST", function.EventInvokeConfig{MaximumEventAgeInSeconds: ptr(120)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.RetryAttempts() != 0 || got.Config.MaxAge().Seconds() != 120 || got.Config.OnFailure() != "file:///tmp/failed" {
		t.Errorf("Update kept %+v", got.Config)
	}
	fn, err := c.Lookup("fn", "")
	if err != nil || fn.EventInvoke == nil || fn.EventInvoke.RetryAttempts() != 0 {
		t.Errorf("Lookup's EventInvoke = %+v, %v", fn.EventInvoke, err)
	}

	for _, bad := range []function.EventInvokeConfig{
		{MaximumRetryAttempts: ptr(3)},
		{MaximumEventAgeInSeconds: ptr(59)},
		{MaximumEventAgeInSeconds: ptr(21601)},
		{DestinationConfig: &function.DestinationConfig{OnSuccess: &function.Destination{Destination: "arn:aws:sqs:us-east-1:123456789012:q"}}},
		{DestinationConfig: &function.DestinationConfig{OnFailure: &function.Destination{Destination: "file://relative"}}},
	} {
		_, err := c.PutEventInvokeConfig("fn", "", bad)
		wantCode(t, err, catalog.InvalidParameter)
	}
	_, err = c.PutEventInvokeConfig("fn", "", function.EventInvokeConfig{DestinationConfig: &function.DestinationConfig{
		OnSuccess: &function.Destination{Destination: "arn:aws:sns:us-east-1:123456789012:topic"}}})
	wantCode(t, err, catalog.InvalidParameter, "no Amazon SQS, SNS")
	_, err = c.PutEventInvokeConfig("fn", "7", function.EventInvokeConfig{})
	wantCode(t, err, catalog.NotFound)
	_, err = c.UpdateEventInvokeConfig("fn", "nope", function.EventInvokeConfig{})
	wantCode(t, err, catalog.NotFound)

	c.Close()
	c = openAt(t, options(dir, nil))
	all, err := c.EventInvokeConfigs("fn")
	if err != nil || len(all) != 1 || all[0].Config.MaxAge().Seconds() != 120 {
		t.Fatalf("after reopen: %+v, %v", all, err)
	}
	if err := c.DeleteEventInvokeConfig("fn", ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.DeleteEventInvokeConfig("fn", ""), catalog.NotFound, "EventInvokeConfig")
	if fn, _ := c.Lookup("fn", ""); fn.EventInvoke != nil {
		t.Errorf("Lookup after delete: %+v", fn.EventInvoke)
	}
}

// A read-only function's configuration is its definition's, for every
// qualifier, and the API may not change it.
func TestStaticEventInvokeConfig(t *testing.T) {
	c := openAt(t, catalog.Options{})
	cfg := &function.EventInvokeConfig{MaximumRetryAttempts: ptr(1)}
	c.SetStatic(map[string]function.Config{"ro": {Name: "ro", EventInvoke: cfg}}, nil, nil)
	got, err := c.EventInvokeConfig("ro", "")
	if err != nil || got.ReadOnly == "" || got.Config.RetryAttempts() != 1 {
		t.Errorf("EventInvokeConfig(ro) = %+v, %v", got, err)
	}
	if _, err := c.PutEventInvokeConfig("ro", "", function.EventInvokeConfig{}); err == nil {
		t.Error("the API changed a read-only function's configuration")
	}
}
