package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// A template's values once parsed are plain Go data: string, number,
// bool, nil, []any and map[string]any. An intrinsic function is a map of
// one key, "Ref" or "Fn::…", as in a JSON template: the YAML short forms
// (!Ref, !Sub, !GetAtt a.b, …) become that long form as they are read.

// number is a number as written in the template ("128", "0.5"): kept as
// text, since CloudFormation passes numbers to string properties (an
// environment variable's value) as they are written.
type number string

// maxNodes bounds the values one template may expand to, so that YAML
// aliases cannot make a small file huge.
const maxNodes = 1 << 20

// parse reads a template, JSON if it starts with '{', else YAML, into a
// map of its top-level sections.
func parse(data []byte) (map[string]any, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, errors.New("empty template")
	}
	var v any
	var err error
	if trimmed[0] == '{' {
		v, err = parseJSON(data)
	} else {
		v, err = parseYAML(data)
	}
	if err != nil {
		return nil, err
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a mapping of sections (Resources, …) at the top, got %s", describe(v))
	}
	return top, nil
}

func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("malformed JSON %s: %v", at(data, syntax.Offset), err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("malformed JSON: unexpected end of file")
		}
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON object %s", at(data, dec.InputOffset()+1))
	}
	return fromJSON(v), nil
}

// fromJSON turns encoding/json's numbers into number.
func fromJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		return number(v)
	case []any:
		for i := range v {
			v[i] = fromJSON(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = fromJSON(v[k])
		}
	}
	return v
}

// at says where the off-th byte of data (1-based) is.
func at(data []byte, off int64) string {
	off = min(max(off, 1), int64(len(data))+1)
	before := data[:off-1]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d", line, col)
}

func parseYAML(data []byte) (any, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("malformed YAML: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, errors.New("more than one YAML document: a template is one")
	}
	w := walker{}
	return w.value(&doc)
}

// walker turns yaml.Nodes into values, counting them against maxNodes.
type walker struct{ nodes int }

func (w *walker) value(n *yaml.Node) (any, error) {
	if w.nodes++; w.nodes > maxNodes {
		return nil, fmt.Errorf("line %d: the template expands to more than %d values (YAML aliases?)", n.Line, maxNodes)
	}
	var v any
	var err error
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return w.value(n.Content[0])
	case yaml.AliasNode:
		return w.value(n.Alias)
	case yaml.ScalarNode:
		v, err = scalar(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			e, err := w.value(c)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
		v = list
	case yaml.MappingNode:
		v, err = w.mapping(n)
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if err != nil {
		return nil, err
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		return shortForm(n, tag[1:], v)
	}
	return v, nil
}

// mapping reads a YAML mapping, with merge keys (<<) and without
// duplicate keys, which CloudFormation refuses.
func (w *walker) mapping(n *yaml.Node) (map[string]any, error) {
	m := make(map[string]any, len(n.Content)/2)
	var merged []map[string]any
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: a mapping key must be a plain string", k.Line)
		}
		v, err := w.value(vn)
		if err != nil {
			return nil, err
		}
		if k.ShortTag() == "!!merge" {
			switch v := v.(type) {
			case map[string]any:
				merged = append(merged, v)
			case []any:
				for _, e := range v {
					if em, ok := e.(map[string]any); ok {
						merged = append(merged, em)
					}
				}
			}
			continue
		}
		if _, dup := m[k.Value]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
		}
		m[k.Value] = v
	}
	for _, mm := range merged {
		for k, v := range mm {
			if _, ok := m[k]; !ok {
				m[k] = v
			}
		}
	}
	return m, nil
}

// scalar is a YAML scalar's value, by its resolved tag.
func scalar(n *yaml.Node) (any, error) {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n.Value, nil // the argument of a short form: a string
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		if b, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
			return b, nil
		}
		return n.Value, nil
	case "!!int", "!!float":
		return number(n.Value), nil
	}
	return n.Value, nil
}

// shortForm turns a YAML short form (!Ref x, !GetAtt a.b, !Sub s, …) into
// the long form, a map of one key.
func shortForm(n *yaml.Node, name string, arg any) (any, error) {
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: arg}, nil
	case "GetAtt":
		if s, ok := arg.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %s: want Resource.Attribute", n.Line, s)
			}
			arg = []any{res, attr}
		}
	}
	return map[string]any{"Fn::" + name: arg}, nil
}

// describe names the kind of a value, for errors.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case number:
		return "the number " + string(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		if k, ok := intrinsicKey(v); ok {
			return k
		}
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

// intrinsicKey is the function name of an intrinsic (Ref, Fn::Sub, …), if
// v is one.
func intrinsicKey(m map[string]any) (string, bool) {
	if len(m) != 1 {
		return "", false
	}
	for k := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, true
		}
	}
	return "", false
}
