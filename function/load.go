package function

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/lambdad/lambdad/lambda"
)

// maxConfigFile bounds function.json; a real one is a few hundred bytes.
const maxConfigFile = 1 << 20

// fileConfig is function.json: the fields lambdad uses, as pointers so that
// absent (default) and zero (usually invalid) differ.
type fileConfig struct {
	Runtime                      *string
	Handler                      *string
	MemorySize                   *int
	Timeout                      *int
	Environment                  *struct{ Variables map[string]string }
	EphemeralStorage             *struct{ Size *int }
	ReservedConcurrentExecutions *int
	ProvisionedConcurrency       *int
	Network                      *string // lambdad's: "egress" or "none"
	PackageType                  *string
	ImageURI                     *string `json:"ImageUri"`
	ImageConfig                  *ImageConfig
	Code                         *codeConfig
	Layers                       []string
	FunctionUrlConfig            *URLConfig
	LoggingConfig                *LoggingConfig
	EventInvokeConfig            *EventInvokeConfig
	ignoredFields
}

// ignoredFields are CreateFunction fields that mean nothing to a local
// runner: function.json may carry them (say, copied from a deployment) and
// lambdad accepts any value and ignores it. Any other unknown field is an
// error.
type ignoredFields struct {
	Architectures        json.RawMessage
	CodeSigningConfigArn json.RawMessage
	DeadLetterConfig     json.RawMessage
	Description          json.RawMessage
	FileSystemConfigs    json.RawMessage
	FunctionName         json.RawMessage
	KMSKeyArn            json.RawMessage
	Publish              json.RawMessage
	Role                 json.RawMessage
	SnapStart            json.RawMessage
	Tags                 json.RawMessage
	TracingConfig        json.RawMessage
	VpcConfig            json.RawMessage
}

// ParseConfig parses and validates a function.json for the function name.
// Absent fields get Lambda's defaults; Runtime is required, since only
// LoadDir can look at the code to infer it. Errors are *FieldError values
// (joined when several), naming the field and, for malformed JSON, the line
// and column. The result's CodeDir is empty, and its ZipFile and Layers are
// as written.
func ParseConfig(name string, data []byte) (Config, error) {
	var f fileConfig
	if p := decodeStrict(data, &f); p != nil {
		return Config{}, joinProblems("", []*FieldError{p})
	}
	noCode := func() (string, error) {
		return "", &FieldError{Field: "Runtime", Msg: "required"}
	}
	c, ps := parseConfig(name, &f, noCode)
	return c, joinProblems("", ps)
}

// LoadDir loads the function in dir: its name is dir's base name, its
// definition is dir/function.json if present, and its code is dir, or the
// zip function.json names as Code.ZipFile (relative to dir). Without a
// Runtime, the code decides: a bootstrap file means provided.al2023
// (handler bootstrap), else a handler.py means python3.12 (handler
// handler.handler). A bootstrap that is present but not executable is an
// error for provided runtimes; one that is absent under a function.json is
// not (the invoke then fails with Runtime.InvalidEntrypoint, as in Lambda).
// The code zip and Layers must exist; they are unpacked by the launcher.
// Node.js code is an index.js, index.mjs or index.cjs (nodejs22.x, handler
// index.handler); a Loader with the host's interpreters says the host's
// python3.N and nodejsN.x instead.
func LoadDir(dir string) (Config, error) { return Loader{}.loadDir(dir) }

func (l Loader) loadDir(dir string) (Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Config{}, fmt.Errorf("load function %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return Config{}, fmt.Errorf("load function: %w", err)
	} else if !fi.IsDir() {
		return Config{}, &FieldError{File: abs, Msg: "not a directory"}
	}
	return l.load(filepath.Base(abs), abs, filepath.Join(abs, ConfigFile), "")
}

// load loads the function name defined by file (if present), whose
// relative paths start at base; its code is zipFile if given, else
// function.json's Code.ZipFile, else the directory base.
func (l Loader) load(name, base, file, zipFile string) (Config, error) {
	data, err := readLimited(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		source := base
		if zipFile != "" {
			source = zipFile
		}
		return l.loadDefinition(name, base, source, nil, false, zipFile)
	case err != nil:
		return Config{}, fmt.Errorf("load function: %w", err)
	}
	return l.loadDefinition(name, base, file, data, true, zipFile)
}

// LoadDefinition loads the function name from def, a definition in
// function.json's format that came from source (a file, or a description
// of where it came from, used in errors and as Config.Source). Relative
// paths in def (Code.ZipFile, Layers) start at base. The code is the zip
// zipFile if given (absolute; def must not name Code.ZipFile then), else
// def's Code.ZipFile, else the directory base. SAM templates and the
// control plane define functions this way.
func (l Loader) LoadDefinition(name, base, source string, def []byte, zipFile string) (Config, error) {
	return l.loadDefinition(name, base, source, def, true, zipFile)
}

// loadDefinition is load once the definition is read; hasFile is false
// when there is none (defaults and detection only).
func (l Loader) loadDefinition(name, base, source string, data []byte, hasFile bool, zipFile string) (Config, error) {
	file := source
	var f *fileConfig
	if hasFile {
		f = new(fileConfig)
		if p := decodeStrict(data, f); p != nil {
			return Config{}, joinProblems(file, []*FieldError{p})
		}
		p := zipFileProblem(f, zipFile)
		if p == nil {
			p = f.Code.problem()
		}
		if p != nil {
			return Config{}, joinProblems(file, []*FieldError{p})
		}
	}
	if zipFile == "" && f != nil && f.Code != nil && f.Code.ZipFile != nil && *f.Code.ZipFile != "" {
		zipFile = absolute(base, *f.Code.ZipFile)
	}
	code, closeCode, p := codeFS(base, zipFile)
	if p != nil {
		return Config{}, joinProblems(source, []*FieldError{p})
	}
	defer closeCode()
	c, ps := parseConfig(name, f, func() (string, error) { return l.detectRuntime(code, hasFile) })
	if len(ps) == 0 {
		ps = c.resolveCode(base, zipFile)
	}
	if len(ps) == 0 && c.Family() == Provided {
		if p := bootstrapProblem(code, base, zipFile); p != nil {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		if p := l.hostProblem(&c); p != nil {
			ps = append(ps, p)
		}
	}
	if err := joinProblems(source, ps); err != nil {
		return Config{}, err
	}
	if c.ZipFile == "" {
		c.CodeDir = base
	}
	c.Source = source
	return c, nil
}

// LoadAll loads every function under root: each subdirectory (or symlink to
// one) is a function, and so is each <name>.zip (LoadZip). Entries whose
// name starts with '.' and other files are skipped. A broken function never
// stops the others: fns holds those that loaded and errs the reason each
// other one did not, both by name. err is set only when root itself cannot
// be read.
func LoadAll(root string) (fns map[string]Config, errs map[string]error, err error) {
	return loadAll(root, Loader{})
}

func loadAll(root string, l Loader) (fns map[string]Config, errs map[string]error, err error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("load functions: %w", err)
	}
	fns, errs = map[string]Config{}, map[string]error{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		fi, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			continue // a symlink to nothing
		}
		if !fi.IsDir() {
			stem, ok := strings.CutSuffix(name, ZipSuffix)
			if !ok || !fi.Mode().IsRegular() || stem == "" || strings.HasPrefix(stem, ".") {
				continue
			}
			name = stem
		}
		if _, done := fns[name]; done {
			continue
		}
		if _, done := errs[name]; done {
			continue
		}
		if c, err := l.Load(root, name); err != nil {
			errs[name] = err
		} else {
			fns[name] = c
		}
	}
	return fns, errs, nil
}

// parseConfig fills defaults into f (nil: there is no function.json), and
// validates. detect gives the runtime when the file names none.
func parseConfig(name string, f *fileConfig, detect func() (string, error)) (Config, []*FieldError) {
	if f == nil {
		f = new(fileConfig)
	}
	c := Config{
		Name:                   name,
		MemorySize:             deref(f.MemorySize, lambda.DefaultMemoryMB),
		Timeout:                deref(f.Timeout, lambda.DefaultTimeoutSeconds),
		EphemeralStorageMB:     lambda.DefaultEphemeralMB,
		ReservedConcurrency:    f.ReservedConcurrentExecutions,
		ProvisionedConcurrency: deref(f.ProvisionedConcurrency, 0),
		Layers:                 f.Layers,
		URL:                    f.FunctionUrlConfig,
		EventInvoke:            f.EventInvokeConfig,
	}
	if p := f.Code.problem(); p != nil {
		return Config{}, []*FieldError{p}
	}
	if f.Code != nil && f.Code.ZipFile != nil {
		c.ZipFile = *f.Code.ZipFile
	}
	if f.Network != nil {
		c.Network = *f.Network
	}
	if f.Environment != nil && len(f.Environment.Variables) > 0 {
		c.Env = f.Environment.Variables
	}
	if f.EphemeralStorage != nil {
		if f.EphemeralStorage.Size == nil {
			return Config{}, []*FieldError{{Field: "EphemeralStorage.Size", Msg: "required when EphemeralStorage is given"}}
		}
		c.EphemeralStorageMB = *f.EphemeralStorage.Size
	}
	if f.PackageType != nil {
		c.PackageType = *f.PackageType
	}
	if f.ImageURI != nil {
		c.ImageURI = *f.ImageURI
	}
	if f.Code != nil && f.Code.ImageURI != nil {
		if c.ImageURI != "" && c.ImageURI != *f.Code.ImageURI {
			return Config{}, []*FieldError{{Field: "Code.ImageUri", Msg: fmt.Sprintf("%q, but ImageUri says %q: give one", *f.Code.ImageURI, c.ImageURI)}}
		}
		c.ImageURI = *f.Code.ImageURI
	}
	if f.ImageConfig != nil {
		c.ImageConfig = *f.ImageConfig
	}
	if f.LoggingConfig != nil {
		c.Logging = *f.LoggingConfig
	}
	switch {
	case c.IsImage():
		if f.Runtime != nil {
			c.Runtime = *f.Runtime
		}
		if f.Handler != nil {
			c.Handler = *f.Handler
		}
		return c, c.problems()
	case f.Runtime != nil:
		c.Runtime = *f.Runtime
	default:
		rt, err := detect()
		if err != nil {
			var p *FieldError
			if !errors.As(err, &p) {
				p = &FieldError{Msg: err.Error()}
			}
			return Config{}, []*FieldError{p}
		}
		c.Runtime = rt
	}
	switch family := c.Family(); {
	case f.Handler != nil:
		c.Handler = *f.Handler
	case family != nil:
		c.Handler = family.DefaultHandler
	}
	return c, c.problems()
}

// decodeStrict decodes one JSON object into v, refusing unknown fields and
// trailing data, and explains a failure with a field or a line and column.
func decodeStrict(data []byte, v any) *FieldError {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return &FieldError{Msg: "empty file (want a JSON object, e.g. {})"}
	}
	if trimmed[0] != '{' {
		return &FieldError{Msg: fmt.Sprintf("want a JSON object, got %s", at(data, int64(len(data)-len(trimmed))+1))}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		end := dec.InputOffset()
		rest := bytes.TrimLeft(data[end:], " \t\r\n")
		if len(rest) == 0 {
			return nil
		}
		return &FieldError{Msg: "unexpected data after the JSON object " + at(data, int64(len(data)-len(rest))+1)}
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &FieldError{Msg: fmt.Sprintf("malformed JSON %s: %v", at(data, syntax.Offset), err)}
	case errors.As(err, &typ):
		return &FieldError{Field: typ.Field, Msg: fmt.Sprintf("want %s, got %s %s", kind(typ.Type), typ.Value, at(data, typ.Offset))}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Msg: "malformed JSON: unexpected end of file"}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &FieldError{Field: strings.Trim(field, `"`), Msg: "unknown field (" + ConfigFile + " takes CreateFunction's field names: MemorySize, Timeout, …)"}
	}
	return &FieldError{Msg: "malformed JSON: " + err.Error()}
}

// at says where the off-th byte of data (1-based, as json's error offsets
// count) is, as "at line L, column C".
func at(data []byte, off int64) string {
	off = min(max(off, 1), int64(len(data))+1)
	before := data[:off-1]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("at line %d, column %d", line, col)
}

// kind names the JSON a Go type wants, for error messages.
func kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// detectRuntime infers the runtime of code without a Runtime setting, from
// the first family that recognises it; hasFile says whether it has a
// function.json.
func (l Loader) detectRuntime(code fs.FS, hasFile bool) (string, error) {
	for _, f := range Families {
		if f.detect != nil && f.detect(code) {
			return l.defaultRuntime(f), nil
		}
	}
	if hasFile {
		return "", &FieldError{Field: "Runtime", Msg: "absent, and no bootstrap, handler.py or index.js to infer it from"}
	}
	return "", &FieldError{Msg: "cannot tell the runtime: no " + ConfigFile + ", bootstrap, handler.py or index.js " +
		"(add an executable bootstrap, a handler.py, an index.js, or a " + ConfigFile + " with Runtime and Handler)"}
}

// bootstrapProblem checks code's bootstrap, if present, can be executed:
// code is the directory dir, or the zip zipFile's entries (a symlink
// there is not followed).
func bootstrapProblem(code fs.FS, dir, zipFile string) *FieldError {
	fi, err := fs.Stat(code, "bootstrap")
	if zipFile != "" && err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 == 0 {
		return &FieldError{File: zipFile, Msg: fmt.Sprintf("entry bootstrap: not executable (mode %v): chmod +x it before zipping", fi.Mode().Perm())}
	}
	path := filepath.Join(dir, "bootstrap")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &FieldError{Msg: err.Error()}
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil
	case !fi.Mode().IsRegular():
		return &FieldError{File: path, Msg: "not a regular file"}
	case fi.Mode().Perm()&0o111 == 0:
		return &FieldError{File: path, Msg: fmt.Sprintf("not executable (mode %v): chmod +x it", fi.Mode().Perm())}
	}
	return nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxConfigFile {
		return nil, &FieldError{File: path, Msg: fmt.Sprintf("larger than %d bytes", maxConfigFile)}
	}
	return data, nil
}

func deref(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
