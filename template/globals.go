package template

// mergeGlobals merges a template's Globals.Function (global) under the
// Properties of an AWS::Serverless::Function (local), by SAM's rules:
// mappings are merged key by key, recursively; lists are concatenated,
// the global entries first; for anything else, and whenever the two
// differ in kind, the function's own value wins. An intrinsic function
// counts as a scalar: the function's replaces the global one whole.
// Neither argument is modified.
func mergeGlobals(global, local any) any {
	gk, lk := mergeKind(global), mergeKind(local)
	switch {
	case gk != lk || gk == kindScalar:
		return local
	case gk == kindList:
		g, l := global.([]any), local.([]any)
		return append(append(make([]any, 0, len(g)+len(l)), g...), l...)
	}
	g, l := global.(map[string]any), local.(map[string]any)
	out := make(map[string]any, len(g)+len(l))
	for k, v := range g {
		out[k] = v
	}
	for k, v := range l {
		if gv, ok := g[k]; ok {
			out[k] = mergeGlobals(gv, v)
		} else {
			out[k] = v
		}
	}
	return out
}

type kind int

const (
	kindScalar kind = iota
	kindList
	kindMap
)

func mergeKind(v any) kind {
	switch v := v.(type) {
	case []any:
		return kindList
	case map[string]any:
		if _, ok := intrinsicKey(v); ok {
			return kindScalar
		}
		return kindMap
	}
	return kindScalar
}
