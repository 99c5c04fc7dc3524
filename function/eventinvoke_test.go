package function

import (
	"strings"
	"testing"
)

// function.json's EventInvokeConfig is read strictly and checked at load.
func TestParseEventInvokeConfig(t *testing.T) {
	c, err := ParseConfig("fn", []byte(`{"Runtime":"python3.12","EventInvokeConfig":{"MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":60,
		"DestinationConfig":{"OnFailure":{"Destination":"file:///tmp/dead"},"OnSuccess":{"Destination":"arn:aws:lambda:us-east-1:123456789012:function:next"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	e := c.EventInvoke
	if e.RetryAttempts() != 0 || e.MaxAge() != MinEventAge || e.OnFailure() != "file:///tmp/dead" || !strings.HasSuffix(e.OnSuccess(), ":next") {
		t.Errorf("EventInvoke = %+v", e)
	}
	var none *EventInvokeConfig
	if none.RetryAttempts() != 2 || none.MaxAge() != MaxEventAge || none.OnSuccess() != "" {
		t.Error("a missing configuration is not Lambda's defaults")
	}
	for _, bad := range []string{
		`{"Runtime":"python3.12","EventInvokeConfig":{"MaximumRetryAttempts":5}}`,
		`{"Runtime":"python3.12","EventInvokeConfig":{"MaximumEventAgeInSeconds":30}}`,
		`{"Runtime":"python3.12","EventInvokeConfig":{"DestinationConfig":{"OnFailure":{"Destination":"arn:aws:sqs:us-east-1:123456789012:q"}}}}`,
		`{"Runtime":"python3.12","EventInvokeConfig":{"DestinationConfig":{"OnFailure":{"Destination":"https://example.com"}}}}`,
		`{"Runtime":"python3.12","EventInvokeConfig":{"Retries":1}}`,
	} {
		if _, err := ParseConfig("fn", []byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
