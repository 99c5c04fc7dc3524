package template

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Pseudo parameters' local values, where params does not set them.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
	DefaultStackName = "local"
)

// parameter is one of the template's Parameters, with its value: a
// string, or a list of strings for list types; nil (and reason) when it
// has none.
type parameter struct {
	value  any
	reason string
}

// pseudoParameters are AWS::Region and the rest, from params where it
// sets them.
func pseudoParameters(params map[string]string) map[string]string {
	get := func(k, def string) string {
		if v, ok := params[k]; ok && v != "" {
			return v
		}
		return def
	}
	region := get("AWS::Region", DefaultRegion)
	partition, suffix := "aws", "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		partition, suffix = "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-gov-"):
		partition = "aws-us-gov"
	}
	p := map[string]string{
		"AWS::Region":    region,
		"AWS::AccountId": get("AWS::AccountId", DefaultAccountID),
		"AWS::StackName": get("AWS::StackName", DefaultStackName),
		"AWS::Partition": get("AWS::Partition", partition),
		"AWS::URLSuffix": get("AWS::URLSuffix", suffix),
	}
	p["AWS::StackId"] = "arn:" + p["AWS::Partition"] + ":cloudformation:" + region + ":" + p["AWS::AccountId"] +
		":stack/" + p["AWS::StackName"] + "/00000000-0000-0000-0000-000000000000"
	return p
}

// parameters reads the template's Parameters section, each with its
// override from params or else its Default. An override of a parameter
// the template does not declare, or outside a parameter's AllowedValues,
// is an error, as CloudFormation refuses the stack for it.
func parameters(section any, params map[string]string) (map[string]parameter, error) {
	decls := map[string]any{}
	switch s := section.(type) {
	case nil:
	case map[string]any:
		decls = s
	default:
		return nil, fmt.Errorf("section Parameters: want a mapping, got %s", describe(section))
	}
	var unknown []string
	for k := range params {
		if _, ok := decls[k]; !ok && !strings.HasPrefix(k, "AWS::") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("parameter overrides %s: the template declares no such parameter", strings.Join(unknown, ", "))
	}
	out := make(map[string]parameter, len(decls))
	var errs []error
	for name, d := range decls {
		decl, ok := d.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("parameter %s: want a mapping, got %s", name, describe(d)))
			continue
		}
		p, err := parameterValue(name, decl, params)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = p
	}
	return out, errors.Join(errs...)
}

func parameterValue(name string, decl map[string]any, params map[string]string) (parameter, error) {
	typ := "String"
	if t, ok := decl["Type"].(string); ok {
		typ = t
	}
	value, overridden := params[name]
	if !overridden {
		d, ok := decl["Default"]
		if !ok {
			return parameter{reason: fmt.Sprintf("parameter %s has no Default: give it with --parameter-overrides %s=VALUE", name, name)}, nil
		}
		if strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<") {
			return parameter{reason: fmt.Sprintf("parameter %s (%s) is read from SSM Parameter Store at deployment: give its value with --parameter-overrides %s=VALUE", name, typ, name)}, nil
		}
		if list, ok := d.([]any); ok { // a list type's Default may be a list
			parts := make([]string, len(list))
			for i, e := range list {
				parts[i], _ = stringOf(e)
			}
			d = strings.Join(parts, ",")
		}
		s, ok := stringOf(d)
		if !ok {
			return parameter{}, fmt.Errorf("parameter %s: Default: want a string, got %s", name, describe(d))
		}
		value = s
	}
	if allowed, ok := decl["AllowedValues"].([]any); ok && !strings.Contains(typ, "List") {
		if !slices.ContainsFunc(allowed, func(a any) bool { s, _ := stringOf(a); return s == value }) {
			return parameter{}, fmt.Errorf("parameter %s: %q is not one of its AllowedValues", name, value)
		}
	}
	if strings.Contains(typ, "List") {
		var list []any
		for _, e := range strings.Split(value, ",") {
			list = append(list, strings.TrimSpace(e))
		}
		return parameter{value: list}, nil
	}
	return parameter{value: value}, nil
}

// ParseOverrides reads parameter overrides as sam's --parameter-overrides
// takes them: each argument holds one or more space-separated Key=Value
// pairs (a value may be quoted, "a b" or 'a b'), or the long form
// ParameterKey=Key,ParameterValue=Value. A later value of a key replaces
// an earlier one. AWS::Region, AWS::AccountId, AWS::StackName and
// AWS::Partition set the pseudo parameters.
func ParseOverrides(args ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, arg := range args {
		words, err := splitWords(arg)
		if err != nil {
			return nil, fmt.Errorf("parameter overrides %q: %w", arg, err)
		}
		for _, w := range words {
			var k, v string
			if rest, ok := strings.CutPrefix(w, "ParameterKey="); ok {
				var found bool
				k, v, found = strings.Cut(rest, ",ParameterValue=")
				if !found {
					return nil, fmt.Errorf("parameter override %q: want ParameterKey=KEY,ParameterValue=VALUE", w)
				}
			} else {
				var found bool
				k, v, found = strings.Cut(w, "=")
				if !found {
					return nil, fmt.Errorf("parameter override %q: want KEY=VALUE", w)
				}
			}
			if k == "" {
				return nil, fmt.Errorf("parameter override %q: empty key", w)
			}
			out[k] = v
		}
	}
	return out, nil
}

// splitWords splits s at spaces outside quotes, and removes the quotes.
func splitWords(s string) ([]string, error) {
	var words []string
	var b strings.Builder
	var quote rune
	inWord := false
	for _, c := range s {
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b.WriteRune(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, b.String())
	}
	return words, nil
}
