package template

import (
	"github.com/lambdad/lambdad/function"
)

// urlConfig is an AWS::Serverless::Function's FunctionUrlConfig (AuthType,
// InvokeMode, Cors), function.json's FunctionUrlConfig; nil if absent.
// function.URLConfig.Problems checks its values when the definition loads.
func (b *builder) urlConfig() *function.URLConfig {
	m := b.mapping("FunctionUrlConfig")
	if m == nil {
		return nil
	}
	const f = "FunctionUrlConfig."
	var u function.URLConfig
	if v, ok := m["AuthType"]; ok {
		if s := b.strOf(v, f+"AuthType"); s != nil {
			u.AuthType = *s
		}
	}
	if v, ok := m["InvokeMode"]; ok {
		if s := b.strOf(v, f+"InvokeMode"); s != nil {
			u.InvokeMode = *s
		}
	}
	raw, ok := m["Cors"]
	if !ok {
		return &u
	}
	cm, ok := raw.(map[string]any)
	if !ok {
		b.fail(f+"Cors", "want a mapping, got %s", describeResolved(raw))
		return &u
	}
	c := &function.Cors{
		AllowHeaders:  b.strings(cm["AllowHeaders"], f+"Cors.AllowHeaders"),
		AllowMethods:  b.strings(cm["AllowMethods"], f+"Cors.AllowMethods"),
		AllowOrigins:  b.strings(cm["AllowOrigins"], f+"Cors.AllowOrigins"),
		ExposeHeaders: b.strings(cm["ExposeHeaders"], f+"Cors.ExposeHeaders"),
	}
	if n := b.integerOf(cm["MaxAge"], f+"Cors.MaxAge"); n != nil {
		c.MaxAge = *n
	}
	switch v := cm["AllowCredentials"].(type) {
	case nil:
	case bool:
		c.AllowCredentials = v
	case string: // a parameter's value
		c.AllowCredentials = v == "true"
	default:
		b.fail(f+"Cors.AllowCredentials", "want a boolean, got %s", describeResolved(v))
	}
	u.Cors = c
	return &u
}
