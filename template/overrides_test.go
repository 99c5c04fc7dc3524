package template

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseOverrides(t *testing.T) {
	tests := []struct {
		args []string
		want map[string]string
		err  string
	}{
		{args: nil, want: map[string]string{}},
		{args: []string{"Stage=prod"}, want: map[string]string{"Stage": "prod"}},
		{args: []string{"Stage=prod LogLevel=DEBUG", "Size=512"}, want: map[string]string{"Stage": "prod", "LogLevel": "DEBUG", "Size": "512"}},
		{args: []string{`Greeting="hello world" Url=a=b`}, want: map[string]string{"Greeting": "hello world", "Url": "a=b"}},
		{args: []string{`Subnets='a, b'`}, want: map[string]string{"Subnets": "a, b"}},
		{args: []string{"ParameterKey=Stage,ParameterValue=prod ParameterKey=List,ParameterValue=a,b"}, want: map[string]string{"Stage": "prod", "List": "a,b"}},
		{args: []string{"AWS::Region=eu-west-1"}, want: map[string]string{"AWS::Region": "eu-west-1"}},
		{args: []string{"Empty="}, want: map[string]string{"Empty": ""}},
		{args: []string{"Stage=dev", "Stage=prod"}, want: map[string]string{"Stage": "prod"}},
		{args: []string{"Stage"}, err: `"Stage": want KEY=VALUE`},
		{args: []string{"=x"}, err: "empty key"},
		{args: []string{"ParameterKey=Stage"}, err: "want ParameterKey=KEY,ParameterValue=VALUE"},
		{args: []string{`A="open`}, err: "unterminated \" quote"},
	}
	for _, tt := range tests {
		got, err := ParseOverrides(tt.args...)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseOverrides(%q) = %v, %v; want an error saying %q", tt.args, got, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseOverrides(%q) = %v, %v; want %v", tt.args, got, err, tt.want)
		}
	}
}
