package function

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"hello", "hello:$LATEST", "hello:7", "my_fn-2:prod",
		"arn:aws:lambda:us-east-1:123456789012:function:hello",
		"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hello:$LATEST",
		"123456789012:function:hello", "123456789012:function:hello:1",
		"", ":", "hello:", "hello%3A1", "arn:aws:lambda:us-east-1:123456789012:layer:x",
		"a:b:c:d:e:f:g:h:i", strings.Repeat("x", 200),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseName(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidName) {
				t.Fatalf("ParseName(%q): %v does not match ErrInvalidName", s, err)
			}
			return
		}
		if !validName(r.Name) || (r.Qualifier != "" && !validQualifier(r.Qualifier)) {
			t.Fatalf("ParseName(%q) = %+v: an invalid part passed", s, r)
		}
		// The name form re-parses to the same name and qualifier.
		short := r.Name
		if r.Qualifier != "" {
			short += ":" + r.Qualifier
		}
		if got, err := ParseName(short); err != nil || got != (Ref{Name: r.Name, Qualifier: r.Qualifier}) {
			t.Fatalf("ParseName(%q) = %+v, %v; from %q", short, got, err, s)
		}
		// The ARN re-parses to the same Ref, defaults filled in, when it
		// fits in Invoke's 170 characters.
		arn := ARN(r.Region, r.Account, r.Name, r.Qualifier)
		if len(arn) > MaxFunctionNameRef {
			return
		}
		want := r
		if want.Region == "" {
			want.Region = DefaultRegion
		}
		if want.Account == "" {
			want.Account = DefaultAccount
		}
		if got, err := ParseName(arn); err != nil || got != want {
			t.Fatalf("ParseName(ARN %q) = %+v, %v; want %+v (from %q)", arn, got, err, want, s)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add("hello", []byte(`{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 128, "Timeout": 3,
		"Environment": {"Variables": {"GREETING": "hi"}}, "EphemeralStorage": {"Size": 512},
		"ReservedConcurrentExecutions": 4, "ProvisionedConcurrency": 0}`))
	f.Add("py", []byte(`{"Runtime": "python3.12", "Handler": "pkg/mod.fn", "Role": "x", "Tags": {"a": "b"}}`))
	f.Add("f", []byte(`{"Runtime": "provided", "ReservedConcurrentExecutions": 0, "Environment": {"Variables": null}}`))
	f.Add("f", []byte(`{"Runtime": "python3.8", "Timeout": 1e3, "MemorySize": "128"}`))
	f.Add("f", []byte("{\n\"Runtime\": \"provided\",,\n}"))
	f.Add("bad name", []byte(`{}`))
	f.Add("f", []byte(`{"Runtime": "provided"} {}`))
	f.Add("f", []byte(``))
	f.Add("f", []byte(`{"Runtime": "provided", "Code": {"ZipFile": "c.zip", "ImageUri": 1}, "Layers": ["a.zip", "/b", "arn:x"]}`))
	f.Add("f", []byte(`{"Runtime": "provided", "Code": {"S3Bucket": "b"}, "Layers": []}`))
	f.Add("f", []byte(`{"Runtime": "python3.12", "EventInvokeConfig": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 3600,
		"DestinationConfig": {"OnSuccess": {"Destination": "file:///var/lib/out"}, "OnFailure": {"Destination": "arn:aws:lambda:us-east-1:123456789012:function:dlq"}}}}`))
	f.Add("f", []byte(`{"Runtime": "python3.12", "EventInvokeConfig": {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:q"}}}}`))
	f.Add("f", []byte(`{"Runtime": "python3.12", "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN"}}`))
	f.Add("f", []byte(`{"Runtime": "python3.12", "LoggingConfig": {"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"}}`))
	f.Add("f", []byte(`{"Runtime": "python3.12", "FunctionUrlConfig": {"AuthType": "NONE", "InvokeMode": "RESPONSE_STREAM",
		"Cors": {"AllowOrigins": ["*"], "MaxAge": 86400}}}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		c, err := ParseConfig(name, data)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("ParseConfig: %v does not match ErrInvalidConfig", err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("ParseConfig: empty error message")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseConfig passed a Config that Validate refuses: %v", err)
		}
		// Written back as function.json, it parses to the same Config.
		again, err := ParseConfig(c.Name, configJSON(t, c))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("re-parse = %+v, want %+v", again, c)
		}
	})
}

// configJSON writes c as a function.json.
func configJSON(t *testing.T, c Config) []byte {
	t.Helper()
	m := map[string]any{
		"Runtime": c.Runtime, "Handler": c.Handler, "MemorySize": c.MemorySize, "Timeout": c.Timeout,
		"EphemeralStorage": map[string]int{"Size": c.EphemeralStorageMB}, "ProvisionedConcurrency": c.ProvisionedConcurrency,
	}
	if c.Env != nil {
		m["Environment"] = map[string]any{"Variables": c.Env}
	}
	if c.ReservedConcurrency != nil {
		m["ReservedConcurrentExecutions"] = *c.ReservedConcurrency
	}
	if c.ZipFile != "" {
		m["Code"] = map[string]string{"ZipFile": c.ZipFile}
	}
	if c.Layers != nil {
		m["Layers"] = c.Layers
	}
	if c.Logging != (LoggingConfig{}) {
		m["LoggingConfig"] = c.Logging
	}
	if c.URL != nil {
		m["FunctionUrlConfig"] = c.URL
	}
	if c.EventInvoke != nil {
		m["EventInvokeConfig"] = c.EventInvoke
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := Config{Name: "f", Runtime: "python3.12", Handler: "pkg.mod.fn", MemorySize: 1024, Timeout: 900,
		EphemeralStorageMB: 10240, Env: map[string]string{"K1": "v<&>\u2028"}, ReservedConcurrency: intp(0)}
	got, err := ParseConfig("f", configJSON(t, c))
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, c)
	}
}

// FuzzCheckDestination: a destination is accepted only if it is none, a
// file:// absolute directory or a function's ARN.
func FuzzCheckDestination(f *testing.F) {
	for _, d := range []string{"", "file:///tmp/out", "file://rel", "arn:aws:lambda:us-east-1:123456789012:function:next",
		"arn:aws:lambda:us-east-1:123456789012:function:next:live", "arn:aws:sqs:us-east-1:123456789012:q", "https://x", "arn:"} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, d string) {
		if CheckDestination(d) != nil {
			return
		}
		switch {
		case d == "", strings.HasPrefix(d, FileDestinationPrefix+"/"):
		case strings.HasPrefix(d, "arn:") && strings.Contains(d, ":function:"):
			if _, err := ParseName(d); err != nil {
				t.Fatalf("accepted %q, which ParseName refuses: %v", d, err)
			}
		default:
			t.Fatalf("accepted %q", d)
		}
	})
}
