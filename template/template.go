package template

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lambdad/lambdad/function"
)

// maxTemplate bounds a template file. CloudFormation takes 1 MB through
// S3; a SAM template before its transform may be somewhat larger.
const maxTemplate = 16 << 20

// Function is one function of a template, ready for
// function.Loader.LoadDefinition(Name, Base, Source, Definition, ZipFile).
type Function struct {
	// Name is the function's name: its FunctionName property when that
	// resolves to a string, else its logical ID.
	Name string
	// LogicalID is the resource's key under Resources.
	LogicalID string
	// Base is the absolute directory of the code (CodeUri or Code, a
	// directory), or the template's directory when the code is a zip or
	// an image.
	Base string
	// Source says where the function is defined, for errors and
	// function.Config.Source: "path/template.yaml: Resources.MyFunction".
	Source string
	// Definition is the function in function.json's format: Runtime,
	// Handler, MemorySize, Timeout, Environment, EphemeralStorage,
	// ReservedConcurrentExecutions, ProvisionedConcurrency, PackageType,
	// ImageUri, ImageConfig and Layers (absolute paths), each only when
	// the template gives it.
	Definition []byte
	// ZipFile is the absolute path of the code's .zip, when CodeUri (or
	// Code) names one; else "".
	ZipFile string
	// AutoPublishAlias is SAM's AutoPublishAlias: the alias that should
	// name a version published from this definition; "" if none.
	AutoPublishAlias string
	// Warnings say what lambdad stood in for where the template left it to
	// CloudFormation (a resource's name), for the daemon to log.
	Warnings []string
}

// Load reads the SAM or CloudFormation template at path (YAML or JSON)
// and returns its functions, sorted by name, ready for
// function.Loader.LoadDefinition. params overrides the template's
// Parameters' defaults, and sets the pseudo parameters AWS::Region,
// AWS::AccountId, AWS::StackName and AWS::Partition (ParseOverrides reads
// sam's --parameter-overrides form).
//
// err is set when the template as a whole cannot be used: unreadable,
// malformed, without Resources, or given an override of a parameter it
// does not declare (or outside its AllowedValues). A function that cannot
// be read does not stop the others: errs holds why, by its name (or
// logical ID), as *function.FieldError values naming the template, the
// resource and the property, joined when there are several. A function
// whose Condition is false is not there at all.
func Load(path string, params map[string]string) (fns []Function, errs map[string]error, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load template %s: %w", path, err)
	}
	data, err := readTemplate(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("load template: %w", err)
	}
	top, err := parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("load template %s: %w", path, err)
	}
	l, err := newLoader(path, filepath.Dir(abs), top, params)
	if err != nil {
		return nil, nil, fmt.Errorf("load template %s: %w", path, err)
	}
	fns, errs = l.functions()
	return fns, errs, nil
}

func readTemplate(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTemplate+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxTemplate {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxTemplate)
	}
	return data, nil
}

// loader reads the functions of one parsed template.
type loader struct {
	path    string         // the template, as given to Load
	dir     string         // its directory, absolute
	globals map[string]any // Globals.Function
	r       *resolver
	forEach []string // Resources' Fn::ForEach::… keys
}

// newLoader checks the template's sections and evaluates its parameters.
func newLoader(path, dir string, top map[string]any, params map[string]string) (*loader, error) {
	resources, ok := top["Resources"].(map[string]any)
	if !ok || len(resources) == 0 {
		if _, present := top["Resources"]; present && !ok {
			return nil, fmt.Errorf("section Resources: want a mapping of resources, got %s", describe(top["Resources"]))
		}
		return nil, errors.New("no Resources: not a SAM or CloudFormation template")
	}
	sections := map[string]map[string]any{}
	for _, name := range []string{"Globals", "Conditions", "Mappings"} {
		switch s := top[name].(type) {
		case nil:
			sections[name] = map[string]any{}
		case map[string]any:
			sections[name] = s
		default:
			return nil, fmt.Errorf("section %s: want a mapping, got %s", name, describe(s))
		}
	}
	var globals map[string]any
	switch g := sections["Globals"]["Function"].(type) {
	case nil:
	case map[string]any:
		globals = g
	default:
		return nil, fmt.Errorf("Globals.Function: want a mapping of properties, got %s", describe(g))
	}
	byID := make(map[string]map[string]any, len(resources))
	var forEach []string
	for id, v := range resources {
		if strings.HasPrefix(id, "Fn::ForEach::") {
			forEach = append(forEach, id)
			continue
		}
		res, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %s: want a mapping with Type and Properties, got %s", id, describe(v))
		}
		byID[id] = res
	}
	ps, err := parameters(top["Parameters"], params)
	if err != nil {
		return nil, err
	}
	l := &loader{path: path, dir: dir, globals: globals, forEach: forEach}
	l.r = &resolver{
		pseudo:     pseudoParameters(params),
		params:     ps,
		conditions: sections["Conditions"],
		mappings:   sections["Mappings"],
		resources:  byID,
		dir:        dir,
		condValue:  map[string]bool{},
		condBusy:   map[string]bool{},
		nameBusy:   map[string]bool{},
		names:      map[string]string{},
	}
	return l, nil
}

// functions reads every function resource, in logical ID order.
func (l *loader) functions() ([]Function, map[string]error) {
	ids := make([]string, 0, len(l.r.resources))
	for id := range l.r.resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	errs := map[string]error{}
	for _, id := range l.forEach {
		errs[id] = &function.FieldError{File: l.path, Field: "Resources." + id, Msg: "Fn::ForEach (AWS::LanguageExtensions) is not supported: write the resources out"}
	}
	byName := map[string]Function{}
	firstID := map[string]string{}
	for _, id := range ids {
		res := l.r.resources[id]
		typ, _ := res["Type"].(string)
		if typ != typeServerlessFunction && typ != typeLambdaFunction {
			continue
		}
		if cond, ok := res["Condition"]; ok {
			exists, err := l.exists(cond)
			if err != nil {
				errs[id] = &function.FieldError{File: l.path + ": Resources." + id, Field: "Condition", Msg: err.Error()}
				continue
			}
			if !exists {
				continue
			}
		}
		name := l.r.functionName(id)
		fn, err := l.function(id, name, typ, res)
		switch first, dup := firstID[name]; {
		case dup:
			errs[name] = &function.FieldError{File: l.path, Msg: fmt.Sprintf("Resources.%s and Resources.%s are both the function %s: CloudFormation would refuse the stack", first, id, name)}
			delete(byName, name)
		case err != nil:
			errs[name] = err
		default:
			byName[name] = fn
		}
		firstID[name] = id
	}
	fns := make([]Function, 0, len(byName))
	for _, fn := range byName {
		fns = append(fns, fn)
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	return fns, errs
}

// exists evaluates a resource's Condition: the name of one of the
// template's conditions.
func (l *loader) exists(cond any) (bool, error) {
	name, ok := cond.(string)
	if !ok {
		return false, fmt.Errorf("want the name of a condition, got %s", describe(cond))
	}
	return l.r.condition(name)
}

// functionName is the name of the function id: its FunctionName, if that
// resolves to a string, else id.
func (r *resolver) functionName(id string) string {
	if n, ok := r.names[id]; ok {
		return n
	}
	name := id
	props, _ := r.resources[id]["Properties"].(map[string]any)
	if v, ok := props["FunctionName"]; ok && !r.nameBusy[id] {
		r.nameBusy[id] = true
		if s, err := r.resolveString(v, "FunctionName"); err == nil && s != "" {
			name = s
		}
		delete(r.nameBusy, id)
	}
	r.names[id] = name
	return name
}
