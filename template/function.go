package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lambdad/lambdad/function"
)

// definition is function.json's format (function.fileConfig), as Load
// writes it: only the fields the template gives.
type definition struct {
	Runtime                      *string               `json:",omitempty"`
	Handler                      *string               `json:",omitempty"`
	MemorySize                   *int                  `json:",omitempty"`
	Timeout                      *int                  `json:",omitempty"`
	Environment                  *environment          `json:",omitempty"`
	EphemeralStorage             *ephemeralStorage     `json:",omitempty"`
	ReservedConcurrentExecutions *int                  `json:",omitempty"`
	ProvisionedConcurrency       *int                  `json:",omitempty"`
	PackageType                  *string               `json:",omitempty"`
	ImageURI                     *string               `json:"ImageUri,omitempty"`
	ImageConfig                  *function.ImageConfig `json:",omitempty"`
	Layers                       []string              `json:",omitempty"`
	FunctionUrlConfig            *function.URLConfig   `json:",omitempty"`
}

type environment struct{ Variables map[string]string }

type ephemeralStorage struct{ Size *int }

// builder reads one function resource's properties into a Function,
// collecting a problem per property.
type builder struct {
	l        *loader
	id       string
	source   string
	props    map[string]any
	problems []error
}

// function reads the function resource id (of type typ) named name.
func (l *loader) function(id, name, typ string, res map[string]any) (Function, error) {
	b := &builder{l: l, id: id, source: l.path + ": Resources." + id}
	l.r.takeWarnings() // those of the resolving before, not this function's
	switch p := res["Properties"].(type) {
	case nil:
		b.props = map[string]any{}
	case map[string]any:
		b.props = p
	default:
		return Function{}, b.fail("Properties", "want a mapping, got %s", describe(p))
	}
	if typ == typeServerlessFunction && l.globals != nil {
		b.props = mergeGlobals(l.globals, b.props).(map[string]any)
	}
	fn := Function{Name: name, LogicalID: id, Source: b.source}
	var d definition
	d.Runtime = b.str("Runtime")
	d.Handler = b.str("Handler")
	d.MemorySize = b.integer("MemorySize")
	d.Timeout = b.integer("Timeout")
	d.ReservedConcurrentExecutions = b.integer("ReservedConcurrentExecutions")
	if vars := b.env(); vars != nil {
		d.Environment = &environment{Variables: vars}
	}
	if m := b.mapping("EphemeralStorage"); m != nil {
		d.EphemeralStorage = &ephemeralStorage{Size: b.integerOf(m["Size"], "EphemeralStorage.Size")}
	}
	if m := b.mapping("ProvisionedConcurrencyConfig"); m != nil {
		d.ProvisionedConcurrency = b.integerOf(m["ProvisionedConcurrentExecutions"], "ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions")
	}
	if alias := b.str("AutoPublishAlias"); alias != nil {
		fn.AutoPublishAlias = *alias
	}
	d.ImageConfig = b.imageConfig()
	d.PackageType = b.str("PackageType")
	if asset, ok := cdkAsset(res); ok {
		fn.Base = l.dir
		b.codePath(&fn, asset, "Metadata.aws:asset:path")
	} else if typ == typeServerlessFunction {
		b.serverlessCode(&fn, &d, res)
	} else {
		b.lambdaCode(&fn, &d)
	}
	d.Layers = b.layers()
	if typ == typeServerlessFunction {
		d.FunctionUrlConfig = b.urlConfig()
	}
	if len(b.problems) > 0 {
		return Function{}, errors.Join(b.problems...)
	}
	def, err := json.Marshal(d)
	if err != nil {
		return Function{}, fmt.Errorf("%s: %w", b.source, err)
	}
	fn.Definition = def
	for _, w := range l.r.takeWarnings() {
		fn.Warnings = append(fn.Warnings, b.source+": "+w)
	}
	return fn, nil
}

// fail records a problem of the property field.
func (b *builder) fail(field, format string, args ...any) error {
	err := &function.FieldError{File: b.source, Field: field, Msg: fmt.Sprintf(format, args...)}
	b.problems = append(b.problems, err)
	return err
}

// get resolves the property field; ok is false when it is absent (or
// AWS::NoValue) or does not resolve (a problem is recorded then).
func (b *builder) get(field string) (any, bool) {
	raw, ok := b.props[field]
	if !ok {
		return nil, false
	}
	return b.resolveAt(raw, field)
}

// resolveAt resolves raw, the value of field, resolving a mapping's or
// list's elements one by one so that a problem names the innermost field.
// ok is false when raw is AWS::NoValue or a problem was recorded.
func (b *builder) resolveAt(raw any, field string) (v any, ok bool) {
	before := len(b.problems)
	switch raw := raw.(type) {
	case map[string]any:
		if _, isFn := intrinsicKey(raw); isFn {
			break
		}
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, len(raw))
		for _, k := range keys {
			if re, ok := b.resolveAt(raw[k], field+"."+k); ok {
				out[k] = re
			}
		}
		return out, len(b.problems) == before
	case []any:
		out := make([]any, 0, len(raw))
		for i, e := range raw {
			if re, ok := b.resolveAt(e, fmt.Sprintf("%s[%d]", field, i)); ok {
				out = append(out, re)
			}
		}
		return out, len(b.problems) == before
	}
	v, err := b.l.r.resolve(raw)
	if err != nil {
		b.fail(field, "%v", err)
		return nil, false
	}
	return v, v != noValue
}

func (b *builder) str(field string) *string {
	v, ok := b.get(field)
	if !ok {
		return nil
	}
	return b.strOf(v, field)
}

func (b *builder) strOf(v any, field string) *string {
	s, ok := stringOf(v)
	if !ok {
		b.fail(field, "want a string, got %s", describeResolved(v))
		return nil
	}
	return &s
}

func (b *builder) integer(field string) *int {
	v, ok := b.get(field)
	if !ok {
		return nil
	}
	return b.integerOf(v, field)
}

// integerOf is v, resolved already, as an integer: a number, or a string
// of one (a Number parameter's value is a string).
func (b *builder) integerOf(v any, field string) *int {
	if v == nil {
		return nil
	}
	s, ok := stringOf(v)
	if _, isBool := v.(bool); !ok || isBool {
		b.fail(field, "want an integer, got %s", describeResolved(v))
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		b.fail(field, "want an integer, got %q", s)
		return nil
	}
	return &n
}

// mapping is the property field, a mapping once resolved; nil if absent.
func (b *builder) mapping(field string) map[string]any {
	v, ok := b.get(field)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		b.fail(field, "want a mapping, got %s", describeResolved(v))
		return nil
	}
	return m
}

// env is Environment.Variables, each value a string.
func (b *builder) env() map[string]string {
	m := b.mapping("Environment")
	if m == nil {
		return nil
	}
	raw, ok := m["Variables"]
	if !ok {
		return nil
	}
	vars, ok := raw.(map[string]any)
	if !ok {
		b.fail("Environment.Variables", "want a mapping of names to values, got %s", describeResolved(raw))
		return nil
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(map[string]string, len(vars))
	for _, k := range names {
		if s := b.strOf(vars[k], "Environment.Variables."+k); s != nil {
			out[k] = *s
		}
	}
	return out
}

func (b *builder) imageConfig() *function.ImageConfig {
	m := b.mapping("ImageConfig")
	if m == nil {
		return nil
	}
	var ic function.ImageConfig
	ic.EntryPoint = b.strings(m["EntryPoint"], "ImageConfig.EntryPoint")
	ic.Command = b.strings(m["Command"], "ImageConfig.Command")
	if wd, ok := m["WorkingDirectory"]; ok {
		if s := b.strOf(wd, "ImageConfig.WorkingDirectory"); s != nil {
			ic.WorkingDirectory = *s
		}
	}
	return &ic
}

// strings is v, resolved already, as a list of strings; nil if absent.
func (b *builder) strings(v any, field string) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		b.fail(field, "want a list of strings, got %s", describeResolved(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		if s := b.strOf(e, fmt.Sprintf("%s[%d]", field, i)); s != nil {
			out = append(out, *s)
		}
	}
	return out
}

// serverlessCode reads an AWS::Serverless::Function's code: an image
// (PackageType Image, ImageUri), or CodeUri, a directory or a .zip
// relative to the template ("." when absent, as sam local takes it).
func (b *builder) serverlessCode(fn *Function, d *definition, res map[string]any) {
	fn.Base = b.l.dir
	if d.PackageType != nil && *d.PackageType == function.PackageImage {
		d.ImageURI = b.str("ImageUri")
		if d.ImageURI == nil && len(b.problems) == 0 {
			if md, _ := res["Metadata"].(map[string]any); md["DockerContext"] != nil {
				b.fail("ImageUri", "absent, and Metadata.DockerContext says the image is built from source: "+
					"build it first (sam build, or docker build), then give its reference as ImageUri, "+
					"or serve sam build's .aws-sam/build/template.yaml")
			} else {
				b.fail("ImageUri", "required when PackageType is Image")
			}
		}
		return
	}
	if _, ok := b.props["InlineCode"]; ok {
		b.fail("InlineCode", "inline code is not supported: put it in a file and give its directory as CodeUri")
		return
	}
	raw, ok := b.props["CodeUri"]
	if !ok {
		raw = "."
	}
	if m, ok := raw.(map[string]any); ok {
		if _, isFn := intrinsicKey(m); !isFn {
			b.fail("CodeUri", "an S3 location (Bucket, Key): lambdad reads local code only: give the code's directory or .zip")
			return
		}
	}
	v, ok := b.resolveAt(raw, "CodeUri")
	if !ok {
		return
	}
	if p := b.strOf(v, "CodeUri"); p != nil {
		b.codePath(fn, *p, "CodeUri")
	}
}

// cdkAsset is the local code of a function of a template the AWS CDK
// synthesised (cdk synth): its Code names the asset's S3 location once
// deployed, and its Metadata the asset's directory or zip in cdk.out,
// relative to the template. Image assets are not: their ImageUri names
// a repository the CDK would build and push to.
func cdkAsset(res map[string]any) (string, bool) {
	md, _ := res["Metadata"].(map[string]any)
	p, _ := md["aws:asset:path"].(string)
	switch prop, _ := md["aws:asset:property"].(string); {
	case p == "":
		return "", false
	case prop == "Code", prop == "CodeUri":
		return p, true
	}
	return "", false
}

// lambdaCode reads an AWS::Lambda::Function's Code: ImageUri, or a local
// path (a string, as aws cloudformation package takes it).
func (b *builder) lambdaCode(fn *Function, d *definition) {
	fn.Base = b.l.dir
	raw, ok := b.props["Code"]
	if !ok {
		b.fail("Code", "required: the path of the code's directory or .zip, or {ImageUri: …}")
		return
	}
	if m, ok := raw.(map[string]any); ok {
		if _, isFn := intrinsicKey(m); !isFn {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				switch k {
				case "ZipFile":
					b.fail("Code.ZipFile", "inline source code is not supported: put it in a file and give its directory as Code")
					return
				case "S3Bucket", "S3Key", "S3ObjectVersion":
					b.fail("Code."+k, "an S3 location: lambdad reads local code only: give the code's directory or .zip as Code")
					return
				}
			}
			if _, ok := m["ImageUri"]; ok {
				v, ok := b.resolveAt(m["ImageUri"], "Code.ImageUri")
				if ok {
					d.ImageURI = b.strOf(v, "Code.ImageUri")
				}
				if d.PackageType == nil {
					image := function.PackageImage
					d.PackageType = &image
				}
				return
			}
			b.fail("Code", "want the path of the code's directory or .zip, or {ImageUri: …}")
			return
		}
	}
	v, ok := b.resolveAt(raw, "Code")
	if !ok {
		return
	}
	if p := b.strOf(v, "Code"); p != nil {
		b.codePath(fn, *p, "Code")
	}
}

// codePath makes p, a CodeUri or Code relative to the template, the
// function's code: a directory (Base) or a .zip (ZipFile).
func (b *builder) codePath(fn *Function, p, field string) {
	if strings.HasPrefix(p, "s3://") {
		b.fail(field, "%q is in S3: lambdad reads local code only: give the code's directory or .zip", p)
		return
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(b.l.dir, p)
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil:
		b.fail(field, "%v", err)
	case fi.IsDir():
		fn.Base = abs
	case fi.Mode().IsRegular():
		fn.ZipFile = abs
	default:
		b.fail(field, "%s: not a directory or a .zip", abs)
	}
}

// layers reads Layers: each a Ref to a layer of the template (its
// ContentUri or Content, a directory or .zip), or a local path; an ARN is
// a problem, since lambdad has no layer registry.
func (b *builder) layers() []string {
	raw, ok := b.props["Layers"]
	if !ok {
		return nil
	}
	v, ok := b.resolveAt(raw, "Layers")
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		b.fail("Layers", "want a list, got %s", describeResolved(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		field := fmt.Sprintf("Layers[%d]", i)
		switch e := e.(type) {
		case localLayer:
			if e.err != nil {
				b.fail(field, "layer %s: %v", e.logicalID, e.err)
				continue
			}
			out = append(out, e.path)
		case string:
			if strings.HasPrefix(e, "arn:") {
				b.fail(field, "%q is a layer ARN, and lambdad has no layer registry: define the layer in this template "+
					"(AWS::Serverless::LayerVersion with a local ContentUri) and Ref it", e)
				continue
			}
			if !filepath.IsAbs(e) {
				e = filepath.Join(b.l.dir, e)
			}
			out = append(out, e)
		default:
			b.fail(field, "want a Ref to a layer, got %s", describeResolved(e))
		}
	}
	return out
}

// layerPath is the local path of the layer resource id: its ContentUri
// (AWS::Serverless::LayerVersion) or Content (AWS::Lambda::LayerVersion,
// a path as aws cloudformation package takes it), relative to the
// template.
func (r *resolver) layerPath(id string) (string, error) {
	res := r.resources[id]
	props, _ := res["Properties"].(map[string]any)
	field := "ContentUri"
	if t, _ := res["Type"].(string); t == typeLambdaLayer {
		field = "Content"
	}
	raw, ok := props[field]
	if !ok {
		return "", fmt.Errorf("%s: absent", field)
	}
	if m, ok := raw.(map[string]any); ok {
		if _, isFn := intrinsicKey(m); !isFn {
			return "", fmt.Errorf("%s: an S3 location: lambdad reads local layers only: give the layer's directory or .zip", field)
		}
	}
	p, err := r.resolveString(raw, field)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	if strings.HasPrefix(p, "s3://") {
		return "", fmt.Errorf("%s: %q is in S3: lambdad reads local layers only: give the layer's directory or .zip", field, p)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.dir, p)
	}
	return p, nil
}
