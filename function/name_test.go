package function

import (
	"errors"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	long64 := strings.Repeat("n", 64)
	q128 := strings.Repeat("q", 128)
	for _, tc := range []struct {
		in   string
		want Ref
	}{
		{"hello", Ref{Name: "hello"}},
		{"My-Function_2", Ref{Name: "My-Function_2"}},
		{long64, Ref{Name: long64}},
		{"hello:$LATEST", Ref{Name: "hello", Qualifier: "$LATEST"}},
		{"hello:7", Ref{Name: "hello", Qualifier: "7"}},
		{"hello:prod", Ref{Name: "hello", Qualifier: "prod"}},
		{"hello:live-2_b", Ref{Name: "hello", Qualifier: "live-2_b"}},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello",
			Ref{Name: "hello", Region: "us-east-1", Account: "123456789012"}},
		{"arn:aws:lambda:eu-west-3:000000000000:function:hello:$LATEST",
			Ref{Name: "hello", Qualifier: "$LATEST", Region: "eu-west-3", Account: "000000000000"}},
		{"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:hello:1",
			Ref{Name: "hello", Qualifier: "1", Region: "us-gov-west-1", Account: "123456789012"}},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:hello",
			Ref{Name: "hello", Region: "cn-north-1", Account: "123456789012"}},
		{"arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:hello",
			Ref{Name: "hello", Region: "us-isob-east-1", Account: "123456789012"}},
		{"arn:aws:lambda:ap-southeast-5:123456789012:function:hello",
			Ref{Name: "hello", Region: "ap-southeast-5", Account: "123456789012"}},
		{"123456789012:function:hello", Ref{Name: "hello", Account: "123456789012"}},
		{"123456789012:function:hello:prod", Ref{Name: "hello", Qualifier: "prod", Account: "123456789012"}},
		// Names that look like keywords are names.
		{"arn", Ref{Name: "arn"}},
		{"function:hello", Ref{Name: "function", Qualifier: "hello"}},
		{"arn:aws", Ref{Name: "arn", Qualifier: "aws"}},
		// 170 characters in all.
		{long64 + ":" + strings.Repeat("q", 105), Ref{Name: long64, Qualifier: strings.Repeat("q", 105)}},
	} {
		got, err := ParseName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}

	for _, tc := range []struct{ in, msg string }{
		{"", "empty"},
		{strings.Repeat("n", 65), "function name"},
		{long64 + ":" + strings.Repeat("q", 106), "longer than 170"},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello:" + q128, "longer than 170"},
		{"hello world", "function name"},
		{"hello.world", "function name"},
		{"hello/world", "function name"},
		{"héllo", "function name"},
		{"hello%3A1", "function name"}, // the caller decodes
		{"arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Ahello", "function name"},
		{":hello", "function name"},
		{"hello:", "qualifier"},
		{"hello:a.b", "qualifier"},
		{"hello:a b", "qualifier"},
		{"hello:" + strings.Repeat("q", 129), "qualifier"},
		{"a:b:c:d:e", "want name"},
		{"a:b:c:d:e:f", "want name"},
		{"a:b:c:d:e:f:g:h:i", "want name"},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello:1:2", "want name"},
		{"123456789012:lambda:hello", "<account>:function:<name>"},
		{"12345678901:function:hello", "account"},
		{"1234567890123:function:hello", "account"},
		{"12345678901a:function:hello", "account"},
		{"123456789012:function:", "function name"},
		{"123456789012:function:hello:", "qualifier"},
		{"arn:aws:s3:us-east-1:123456789012:function:hello", `service "s3"`},
		{"arn:aws:lambda:us-east-1:123456789012:layer:hello", `resource type "layer"`},
		{"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:hello", `resource type`},
		{"arn:gcp:lambda:us-east-1:123456789012:function:hello", "partition"},
		{"arn::lambda:us-east-1:123456789012:function:hello", "partition"},
		{"arn:aws1:lambda:us-east-1:123456789012:function:hello", "partition"},
		{"nra:aws:lambda:us-east-1:123456789012:function:hello", "want arn:aws:lambda"},
		{"arn:aws:lambda::123456789012:function:hello", "region"},
		{"arn:aws:lambda:US-EAST-1:123456789012:function:hello", "region"},
		{"arn:aws:lambda:us-east:123456789012:function:hello", "region"},
		{"arn:aws:lambda:useast-1:123456789012:function:hello", "region"},
		{"arn:aws:lambda:us--1:123456789012:function:hello", "region"},
		{"arn:aws:lambda:us-east-123:123456789012:function:hello", "region"},
		{"arn:aws:lambda:us-east-1::function:hello", "account"},
		{"arn:aws:lambda:us-east-1:123456789012:function:", "function name"},
		{"arn:aws:lambda:us-east-1:123456789012:function:hel lo", "function name"},
		{"arn:aws:lambda:us-east-1:123456789012:function:hello:", "qualifier"},
	} {
		got, err := ParseName(tc.in)
		if err == nil {
			t.Errorf("ParseName(%q) = %+v, want an error", tc.in, got)
			continue
		}
		if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseName(%q): %v; want ErrInvalidName saying %q", tc.in, err, tc.msg)
		}
	}
}

func TestARN(t *testing.T) {
	for _, tc := range []struct{ region, account, name, qualifier, want string }{
		{"", "", "hello", "", "arn:aws:lambda:us-east-1:123456789012:function:hello"},
		{"eu-west-1", "000000000000", "hello", "$LATEST", "arn:aws:lambda:eu-west-1:000000000000:function:hello:$LATEST"},
		{"", "", "hello", "prod", "arn:aws:lambda:us-east-1:123456789012:function:hello:prod"},
	} {
		if got := ARN(tc.region, tc.account, tc.name, tc.qualifier); got != tc.want {
			t.Errorf("ARN(%q, %q, %q, %q) = %q, want %q", tc.region, tc.account, tc.name, tc.qualifier, got, tc.want)
		}
	}
}
