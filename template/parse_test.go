package template

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseShortForms(t *testing.T) {
	tests := []struct{ yaml, json string }{
		{`!Ref X`, `{"Ref": "X"}`},
		{`!Condition C`, `{"Condition": "C"}`},
		{`!GetAtt Fn.Arn`, `{"Fn::GetAtt": ["Fn", "Arn"]}`},
		{`!GetAtt Db.Endpoint.Address`, `{"Fn::GetAtt": ["Db", "Endpoint.Address"]}`},
		{`!GetAtt [Fn, Arn]`, `{"Fn::GetAtt": ["Fn", "Arn"]}`},
		{`!Sub "a-${B}"`, `{"Fn::Sub": "a-${B}"}`},
		{`!Sub ["${A}", {A: !Ref X}]`, `{"Fn::Sub": ["${A}", {"A": {"Ref": "X"}}]}`},
		{`!Join ["", [a, !Ref B]]`, `{"Fn::Join": ["", ["a", {"Ref": "B"}]]}`},
		{`!If [C, 1, !Ref AWS::NoValue]`, `{"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]}`},
		{`!Select [0, !Split [",", !ImportValue x]]`, `{"Fn::Select": [0, {"Fn::Split": [",", {"Fn::ImportValue": "x"}]}]}`},
		{`!And [!Equals [a, b], !Not [!Condition C], !Or [!Condition D, !Condition E]]`,
			`{"Fn::And": [{"Fn::Equals": ["a", "b"]}, {"Fn::Not": [{"Condition": "C"}]}, {"Fn::Or": [{"Condition": "D"}, {"Condition": "E"}]}]}`},
		{`!FindInMap [M, !Ref "AWS::Region", K]`, `{"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "K"]}`},
		{`!Base64 x`, `{"Fn::Base64": "x"}`},
		{`{a: 128, b: 0.5, c: true, d: null, e: "128", f: 2010-09-09}`, `{"a": 128, "b": 0.5, "c": true, "d": null, "e": "128", "f": "2010-09-09"}`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			y, err := parse([]byte("v: " + tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			j, err := parse([]byte(`{"v": ` + tt.json + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(y["v"], j["v"]) {
				t.Errorf("YAML %s = %#v\nJSON %s = %#v", tt.yaml, y["v"], tt.json, j["v"])
			}
		})
	}
}

func TestParseAliasesAndMerge(t *testing.T) {
	top, err := parse([]byte(`
common: &common {Runtime: python3.12, Timeout: 3}
fn:
  <<: *common
  Timeout: 10
list: [*common]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Runtime": "python3.12", "Timeout": number("10")}
	if !reflect.DeepEqual(top["fn"], want) {
		t.Errorf("fn = %#v, want %#v", top["fn"], want)
	}
	if l, _ := top["list"].([]any); len(l) != 1 || !reflect.DeepEqual(l[0], top["common"]) {
		t.Errorf("list = %#v", top["list"])
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a: !GetAtt nodot\n", "line 1: !GetAtt nodot: want Resource.Attribute"},
		{"? [a, b]\n: c\n", "a mapping key must be a plain string"},
		{`{"a": 1} x`, "unexpected data after the JSON object at line 1, column 10"},
		{`{"a": `, "malformed JSON: unexpected end of file"},
		{"\t- a", "malformed YAML"},
	} {
		if _, err := parse([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parse(%q) = %v, want an error saying %q", tt.in, err, tt.want)
		}
	}
}
