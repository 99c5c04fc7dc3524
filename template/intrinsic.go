package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// unresolvedError is an intrinsic function lambdad cannot evaluate: its
// value is known only to a deployed stack (another stack's export, a
// generated physical name), or the function is not one lambdad evaluates.
type unresolvedError struct {
	intrinsic string // "Ref MyTable", "Fn::ImportValue", …
	reason    string
}

func (e *unresolvedError) Error() string {
	return e.intrinsic + " cannot be resolved locally: " + e.reason
}

func unresolved(intrinsic, format string, args ...any) error {
	return &unresolvedError{intrinsic: intrinsic, reason: fmt.Sprintf(format, args...)}
}

// noValue is AWS::NoValue: the property it stands for is removed.
type noValueType struct{}

var noValue = noValueType{}

// localLayer is the value of a Ref to a layer of the template: Layers
// takes its path; anywhere else it stands for an ARN lambdad cannot know.
type localLayer struct {
	logicalID string
	path      string // absolute: a directory or a .zip
	err       error  // why the layer has no local path
}

// resolver evaluates the intrinsic functions of one template.
type resolver struct {
	pseudo     map[string]string
	params     map[string]parameter
	conditions map[string]any
	mappings   map[string]any
	resources  map[string]map[string]any
	dir        string            // the template's directory, absolute
	names      map[string]string // function logical ID → name, once known

	condValue map[string]bool
	condBusy  map[string]bool
	nameBusy  map[string]bool

	// warnings are what resolving stood in for since the last take: the
	// logical ID of a resource CloudFormation would name.
	warnings []string
}

// takeWarnings returns the warnings made since the last take.
func (r *resolver) takeWarnings() []string {
	w := r.warnings
	r.warnings = nil
	return w
}

// resolve evaluates every intrinsic function in v. Its result holds no
// intrinsic; noValue where v (or all of it) is AWS::NoValue.
func (r *resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if k, ok := intrinsicKey(v); ok {
			return r.intrinsic(k, v[k])
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			re, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if re != noValue {
				out[k] = re
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			re, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if re != noValue {
				out = append(out, re)
			}
		}
		return out, nil
	}
	return v, nil
}

// intrinsic evaluates the intrinsic function name with its argument.
func (r *resolver) intrinsic(name string, arg any) (any, error) {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("a Ref wants the name of a parameter or resource, got %s", describe(arg))
		}
		return r.ref(s)
	case "Condition":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("a Condition wants the name of a condition, got %s", describe(arg))
		}
		return r.condition(s)
	case "Fn::GetAtt":
		return r.getAtt(arg)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		return r.join(arg)
	case "Fn::Select":
		return r.selectFn(arg)
	case "Fn::Split":
		return r.split(arg)
	case "Fn::If":
		return r.ifFn(arg)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return r.boolean(map[string]any{name: arg})
	case "Fn::FindInMap":
		return r.findInMap(arg)
	case "Fn::Base64":
		s, err := r.resolveString(arg, name)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::ToJsonString":
		v, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("Fn::ToJsonString: %w", err)
		}
		return string(b), nil
	case "Fn::Length":
		v, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Length: want a list, got %s", describe(v))
		}
		return number(strconv.Itoa(len(list))), nil
	case "Fn::ImportValue":
		return nil, unresolved(name, "it is another stack's export, known only where that stack is deployed")
	case "Fn::GetAZs", "Fn::Cidr", "Fn::Transform", "Fn::ForEach":
		return nil, unresolved(name, "lambdad does not evaluate %s", name)
	}
	return nil, unresolved(name, "not an intrinsic function lambdad knows")
}

// resolveString resolves v to a string (a number or a boolean as written).
func (r *resolver) resolveString(v any, what string) (string, error) {
	re, err := r.resolve(v)
	if err != nil {
		return "", err
	}
	s, ok := stringOf(re)
	if !ok {
		return "", fmt.Errorf("%s: want a string, got %s", what, describeResolved(re))
	}
	return s, nil
}

// stringOf is v as a string: a string, or a number or boolean as
// CloudFormation passes it to a string property.
func stringOf(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case number:
		return string(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// describeResolved is describe, and says why a local layer's Ref is not
// a string.
func describeResolved(v any) string {
	if l, ok := v.(localLayer); ok {
		return "a Ref to the layer " + l.logicalID + " (a layer's ARN is not known locally; only Layers takes it)"
	}
	if v == noValue {
		return "AWS::NoValue"
	}
	return describe(v)
}

// args checks an intrinsic's argument is a list of n to max elements.
func args(name string, arg any, n, max int, shape string) ([]any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) < n || len(list) > max {
		return nil, fmt.Errorf("%s: want %s, got %s", name, shape, describe(arg))
	}
	return list, nil
}

func (r *resolver) ref(name string) (any, error) {
	if v, ok := r.pseudo[name]; ok {
		return v, nil
	}
	switch name {
	case "AWS::NoValue":
		return noValue, nil
	case "AWS::NotificationARNs":
		return nil, unresolved("Ref AWS::NotificationARNs", "a stack's notification topics exist only where it is deployed")
	}
	if p, ok := r.params[name]; ok {
		if p.value == nil {
			return nil, unresolved("Ref "+name, "%s", p.reason)
		}
		return p.value, nil
	}
	res, ok := r.resources[name]
	if !ok {
		return nil, fmt.Errorf("no parameter or resource %s in the template (Ref %s)", name, name)
	}
	typ, _ := res["Type"].(string)
	switch typ {
	case typeServerlessFunction, typeLambdaFunction:
		return r.functionName(name), nil
	case typeServerlessLayer, typeLambdaLayer:
		path, err := r.layerPath(name)
		return localLayer{logicalID: name, path: path, err: err}, nil
	}
	if nr, ok := namedResources[typ]; ok {
		n, err := r.physicalName(name, typ, nr.nameProperty, "Ref "+name)
		if err != nil {
			return nil, err
		}
		return nr.ref(r, n), nil
	}
	return nil, unresolved("Ref "+name, "%s is a %s, whose Ref CloudFormation knows only once it is deployed", name, typ)
}

func (r *resolver) getAtt(arg any) (any, error) {
	if s, ok := arg.(string); ok { // JSON's "Fn::GetAtt": "Res.Attr"
		res, attr, _ := strings.Cut(s, ".")
		arg = []any{res, attr}
	}
	list, err := args("Fn::GetAtt", arg, 2, 2, "[resource, attribute]")
	if err != nil {
		return nil, err
	}
	res, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt: want a resource's logical ID, got %s", describe(list[0]))
	}
	attr, err := r.resolveString(list[1], "Fn::GetAtt "+res)
	if err != nil {
		return nil, err
	}
	return r.attribute(res, attr)
}

// attribute is the attribute attr of the resource res (Fn::GetAtt, and
// ${res.attr} in Fn::Sub).
func (r *resolver) attribute(res, attr string) (any, error) {
	intrinsic := "Fn::GetAtt " + res + "." + attr
	resource, ok := r.resources[res]
	if !ok {
		return nil, fmt.Errorf("%s: no resource %s in the template", intrinsic, res)
	}
	typ, _ := resource["Type"].(string)
	if typ == typeServerlessFunction || typ == typeLambdaFunction {
		if attr != "Arn" {
			return nil, unresolved(intrinsic, "lambdad knows a function's Arn only")
		}
		return r.arn("lambda", "function:"+r.functionName(res)), nil
	}
	if nr, ok := namedResources[typ]; ok {
		if f, ok := nr.attrs[attr]; ok {
			n, err := r.physicalName(res, typ, nr.nameProperty, intrinsic)
			if err != nil {
				return nil, err
			}
			return f(r, n), nil
		}
	}
	return nil, unresolved(intrinsic, "%s is a %s, whose %s CloudFormation knows only once it is deployed", res, typ, attr)
}

// arn is an ARN of this stack's region and account.
func (r *resolver) arn(service, resource string) string {
	return "arn:" + r.pseudo["AWS::Partition"] + ":" + service + ":" + r.pseudo["AWS::Region"] + ":" + r.pseudo["AWS::AccountId"] + ":" + resource
}

// physicalName is the name a resource's property (TableName, …) gives it.
func (r *resolver) physicalName(res, typ, property, intrinsic string) (string, error) {
	props, _ := r.resources[res]["Properties"].(map[string]any)
	v, ok := props[property]
	if !ok {
		// As sam local does: the logical ID stands for the name, which a
		// local stand-in (DynamoDB Local, LocalStack) can be given.
		r.warnings = append(r.warnings, fmt.Sprintf("%s: CloudFormation names the %s %s when it creates it; locally its logical ID %q stands for its %s (give it a %s to choose)",
			intrinsic, typ, res, res, property, property))
		return res, nil
	}
	if r.nameBusy[res] {
		return "", fmt.Errorf("%s: %s's %s refers to itself", intrinsic, res, property)
	}
	r.nameBusy[res] = true
	defer delete(r.nameBusy, res)
	return r.resolveString(v, res+"."+property)
}

func (r *resolver) sub(arg any) (any, error) {
	var format any
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub: want a string or [string, {variables}], got a list of %d", len(a))
		}
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: want a mapping of variables, got %s", describe(a[1]))
		}
		format, vars = a[0], m
	default:
		return nil, fmt.Errorf("Fn::Sub: want a string or [string, {variables}], got %s", describe(arg))
	}
	s, ok := format.(string)
	if !ok {
		return nil, fmt.Errorf("Fn::Sub: want a string to substitute into, got %s", describe(format))
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+2:]
		if strings.HasPrefix(s, "!") { // ${!Literal} is ${Literal}
			b.WriteString("${")
			s = s[1:]
			continue
		}
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub: unterminated ${ in %q", format)
		}
		name := strings.TrimSpace(s[:j])
		s = s[j+1:]
		v, err := r.subVar(name, vars)
		if err != nil {
			return nil, err
		}
		str, ok := stringOf(v)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: ${%s} is %s, not a string", name, describeResolved(v))
		}
		b.WriteString(str)
	}
}

// subVar is the value of ${name} in Fn::Sub: a variable of its own, else
// a parameter or resource's Ref, else Resource.Attribute.
func (r *resolver) subVar(name string, vars map[string]any) (any, error) {
	if v, ok := vars[name]; ok {
		return r.resolve(v)
	}
	if _, isParam := r.params[name]; !isParam && !strings.HasPrefix(name, "AWS::") {
		if res, attr, ok := strings.Cut(name, "."); ok {
			return r.attribute(res, attr)
		}
	}
	return r.ref(name)
}

func (r *resolver) join(arg any) (any, error) {
	list, err := args("Fn::Join", arg, 2, 2, "[delimiter, [values]]")
	if err != nil {
		return nil, err
	}
	delim, err := r.resolveString(list[0], "Fn::Join delimiter")
	if err != nil {
		return nil, err
	}
	v, err := r.resolve(list[1])
	if err != nil {
		return nil, err
	}
	values, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("Fn::Join: want a list of values, got %s", describeResolved(v))
	}
	parts := make([]string, len(values))
	for i, e := range values {
		s, ok := stringOf(e)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: value %d is %s, not a string", i, describeResolved(e))
		}
		parts[i] = s
	}
	return strings.Join(parts, delim), nil
}

func (r *resolver) selectFn(arg any) (any, error) {
	list, err := args("Fn::Select", arg, 2, 2, "[index, [values]]")
	if err != nil {
		return nil, err
	}
	is, err := r.resolveString(list[0], "Fn::Select index")
	if err != nil {
		return nil, err
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: index %q is not an integer", is)
	}
	v, err := r.resolve(list[1])
	if err != nil {
		return nil, err
	}
	values, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("Fn::Select: want a list of values, got %s", describeResolved(v))
	}
	if i < 0 || i >= len(values) {
		return nil, fmt.Errorf("Fn::Select: index %d out of a list of %d", i, len(values))
	}
	return values[i], nil
}

func (r *resolver) split(arg any) (any, error) {
	list, err := args("Fn::Split", arg, 2, 2, "[delimiter, string]")
	if err != nil {
		return nil, err
	}
	delim, err := r.resolveString(list[0], "Fn::Split delimiter")
	if err != nil {
		return nil, err
	}
	if delim == "" {
		return nil, fmt.Errorf("Fn::Split: empty delimiter")
	}
	s, err := r.resolveString(list[1], "Fn::Split")
	if err != nil {
		return nil, err
	}
	var out []any
	for _, p := range strings.Split(s, delim) {
		out = append(out, p)
	}
	return out, nil
}

func (r *resolver) ifFn(arg any) (any, error) {
	list, err := args("Fn::If", arg, 3, 3, "[condition, value if true, value if false]")
	if err != nil {
		return nil, err
	}
	name, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::If: want a condition's name, got %s", describe(list[0]))
	}
	b, err := r.condition(name)
	if err != nil {
		return nil, err
	}
	if b {
		return r.resolve(list[1])
	}
	return r.resolve(list[2])
}

// condition evaluates the template's condition name, once.
func (r *resolver) condition(name string) (bool, error) {
	if b, ok := r.condValue[name]; ok {
		return b, nil
	}
	expr, ok := r.conditions[name]
	if !ok {
		return false, fmt.Errorf("no condition %s in the template's Conditions", name)
	}
	if r.condBusy[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	r.condBusy[name] = true
	defer delete(r.condBusy, name)
	b, err := r.boolean(expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	r.condValue[name] = b
	return b, nil
}

// boolean evaluates a condition expression: Fn::Equals, Fn::Not, Fn::And,
// Fn::Or, {Condition: name}, or a value that is true or false.
func (r *resolver) boolean(expr any) (bool, error) {
	m, _ := expr.(map[string]any)
	k, isFn := intrinsicKey(m)
	switch {
	case isFn && k == "Fn::Equals":
		list, err := args(k, m[k], 2, 2, "[value, value]")
		if err != nil {
			return false, err
		}
		a, err := r.resolve(list[0])
		if err != nil {
			return false, err
		}
		b, err := r.resolve(list[1])
		if err != nil {
			return false, err
		}
		return equal(a, b), nil
	case isFn && k == "Fn::Not":
		list, err := args(k, m[k], 1, 1, "[condition]")
		if err != nil {
			return false, err
		}
		b, err := r.boolean(list[0])
		return !b, err
	case isFn && (k == "Fn::And" || k == "Fn::Or"):
		list, err := args(k, m[k], 1, 10, "a list of 1 to 10 conditions")
		if err != nil {
			return false, err
		}
		for _, c := range list {
			b, err := r.boolean(c)
			if err != nil {
				return false, err
			}
			if b == (k == "Fn::Or") {
				return b, nil
			}
		}
		return k == "Fn::And", nil
	case isFn && k == "Condition":
		name, ok := m[k].(string)
		if !ok {
			return false, fmt.Errorf("a Condition wants the name of a condition, got %s", describe(m[k]))
		}
		return r.condition(name)
	}
	v, err := r.resolve(expr)
	if err != nil {
		return false, err
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("want a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), got %s", describe(expr))
}

// equal compares two resolved values as Fn::Equals does: scalars by their
// text, lists element by element.
func equal(a, b any) bool {
	if sa, ok := stringOf(a); ok {
		sb, ok := stringOf(b)
		return ok && sa == sb
	}
	la, oka := a.([]any)
	lb, okb := b.([]any)
	if oka && okb {
		return slices.EqualFunc(la, lb, equal)
	}
	return a == nil && b == nil
}

func (r *resolver) findInMap(arg any) (any, error) {
	list, err := args("Fn::FindInMap", arg, 3, 4, "[map, top-level key, second-level key]")
	if err != nil {
		return nil, err
	}
	keys := make([]string, 3)
	for i := range keys {
		if keys[i], err = r.resolveString(list[i], "Fn::FindInMap"); err != nil {
			return nil, err
		}
	}
	top, _ := r.mappings[keys[0]].(map[string]any)
	second, _ := top[keys[1]].(map[string]any)
	v, ok := second[keys[2]]
	if !ok {
		if len(list) == 4 { // AWS::LanguageExtensions' {DefaultValue: v}
			if d, ok := list[3].(map[string]any); ok {
				if dv, ok := d["DefaultValue"]; ok {
					return r.resolve(dv)
				}
			}
		}
		return nil, fmt.Errorf("Fn::FindInMap: no %s.%s.%s in the template's Mappings", keys[0], keys[1], keys[2])
	}
	return r.resolve(v)
}
