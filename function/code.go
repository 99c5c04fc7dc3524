package function

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lambdad/lambdad/lambda"
)

// ZipSuffix ends the name of a function's code zip in a functions
// directory: <name>.zip is the function <name>, and <name>.json beside it
// its definition.
const ZipSuffix = ".zip"

// codeConfig is function.json's Code, in CreateFunction's shape. lambdad
// reads ZipFile, as the path of a .zip (where CreateFunction takes the
// zip's bytes), and ImageUri, where CreateFunction takes an image function's
// image (function.json may say it at the top, as SAM templates do);
// SourceKMSKeyArn is accepted and ignored, and S3 locations refused:
// lambdad reads local files only.
type codeConfig struct {
	ZipFile         *string
	S3Bucket        json.RawMessage
	S3Key           json.RawMessage
	S3ObjectVersion json.RawMessage
	ImageURI        *string `json:"ImageUri"`
	SourceKMSKeyArn json.RawMessage
}

// problem refuses what lambdad cannot read: an S3 location, a ZipFile
// holding the zip's bytes rather than its path.
func (cc *codeConfig) problem() *FieldError {
	if cc == nil {
		return nil
	}
	for field, v := range map[string]json.RawMessage{"S3Bucket": cc.S3Bucket, "S3Key": cc.S3Key, "S3ObjectVersion": cc.S3ObjectVersion} {
		if v != nil {
			return &FieldError{Field: "Code." + field, Msg: "lambdad reads no S3: give the path of the code's .zip as Code.ZipFile"}
		}
	}
	switch z := cc.ZipFile; {
	case z == nil:
	case *z == "":
		return &FieldError{Field: "Code.ZipFile", Msg: "empty (want the path of a .zip, or leave Code out: the code is the directory)"}
	case strings.HasPrefix(*z, "UEsDB") && !strings.HasSuffix(*z, ZipSuffix): // base64 of "PK\x03\x04"
		return &FieldError{Field: "Code.ZipFile", Msg: "holds a zip's base64 bytes, as CreateFunction takes them: lambdad wants the path of the .zip"}
	}
	return nil
}

// zipFileProblem refuses a Code.ZipFile in <name>.json, whose code is
// <name>.zip (zipFile) already.
func zipFileProblem(f *fileConfig, zipFile string) *FieldError {
	if zipFile == "" || f.Code == nil || f.Code.ZipFile == nil {
		return nil
	}
	return &FieldError{Field: "Code.ZipFile", Msg: "the code is " + filepath.Base(zipFile) + " beside this file: leave Code.ZipFile out"}
}

// codeProblems checks ZipFile and Layers as written.
func (c Config) codeProblems() []*FieldError {
	var ps []*FieldError
	if c.ZipFile != "" && strings.IndexByte(c.ZipFile, 0) >= 0 {
		ps = append(ps, &FieldError{Field: "Code.ZipFile", Msg: "contains a NUL byte"})
	}
	if c.IsImage() && c.ZipFile != "" {
		ps = append(ps, &FieldError{Field: "Code.ZipFile", Msg: "an image function's code is its image (PackageType Image)"})
	}
	if c.IsImage() && len(c.Layers) > 0 {
		ps = append(ps, &FieldError{Field: "Layers", Msg: "an image function takes no layers, as on Lambda: put them in the image"})
	}
	if n := len(c.Layers); n > lambda.MaxLayers {
		ps = append(ps, &FieldError{Field: "Layers", Msg: fmt.Sprintf("%d layers: a function may have at most %d", n, lambda.MaxLayers)})
	}
	for i, l := range c.Layers {
		field := fmt.Sprintf("Layers[%d]", i)
		switch {
		case l == "":
			ps = append(ps, &FieldError{Field: field, Msg: "empty (want the path of a .zip or a directory)"})
		case strings.HasPrefix(l, "arn:"):
			ps = append(ps, &FieldError{Field: field, Msg: fmt.Sprintf("%q is a layer ARN, and lambdad has no layer registry: give the path of the layer's .zip or directory", l)})
		case strings.IndexByte(l, 0) >= 0:
			ps = append(ps, &FieldError{Field: field, Msg: "contains a NUL byte"})
		}
	}
	return ps
}

// resolveCode makes c's ZipFile (zipFile, already absolute and opened)
// and Layers absolute against base, and checks each layer is a zip or a
// directory.
func (c *Config) resolveCode(base, zipFile string) []*FieldError {
	c.ZipFile = zipFile
	if len(c.Layers) == 0 {
		c.Layers = nil
		return nil
	}
	var ps []*FieldError
	layers := make([]string, len(c.Layers))
	for i, l := range c.Layers {
		layers[i] = absolute(base, l)
		fi, err := os.Stat(layers[i])
		field := fmt.Sprintf("Layers[%d]", i)
		switch {
		case err != nil:
			ps = append(ps, &FieldError{Field: field, Msg: err.Error()})
		case fi.IsDir():
		case !fi.Mode().IsRegular():
			ps = append(ps, &FieldError{Field: field, Msg: layers[i] + ": not a .zip file or a directory"})
		default:
			if zr, err := zip.OpenReader(layers[i]); err != nil && !errors.Is(err, zip.ErrInsecurePath) {
				ps = append(ps, &FieldError{Field: field, Msg: fmt.Sprintf("%s: not a valid zip file (%v)", layers[i], err)})
			} else {
				zr.Close()
			}
		}
	}
	c.Layers = layers
	return ps
}

// codeFS returns the code to detect the runtime from: the zip's entries
// if zipFile is set, else the directory dir.
func codeFS(dir, zipFile string) (code fs.FS, closeCode func(), p *FieldError) {
	if zipFile == "" {
		return os.DirFS(dir), func() {}, nil
	}
	fi, err := os.Stat(zipFile)
	switch {
	case err != nil:
		return nil, nil, &FieldError{Field: "Code.ZipFile", Msg: err.Error()}
	case !fi.Mode().IsRegular():
		return nil, nil, &FieldError{Field: "Code.ZipFile", Msg: zipFile + ": not a regular file"}
	}
	zr, err := zip.OpenReader(zipFile)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // unsafe names are refused when unpacking
		return nil, nil, &FieldError{Field: "Code.ZipFile", Msg: fmt.Sprintf("%s: not a valid zip file (%v)", zipFile, err)}
	}
	return zr, func() { zr.Close() }, nil
}

// absolute is p, or p relative to base.
func absolute(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// LoadZip loads the function whose code is the zip at path: its name is
// the file's name without .zip, and its definition <name>.json beside it if
// present (function.json's format, without Code.ZipFile), else inferred
// from the zip's entries as LoadDir infers it from a directory.
func LoadZip(path string) (Config, error) { return Loader{}.LoadZip(path) }

// LoadZip is LoadZip, checked against l.Host.
func (l Loader) LoadZip(path string) (Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Config{}, fmt.Errorf("load function %s: %w", path, err)
	}
	name, ok := strings.CutSuffix(filepath.Base(abs), ZipSuffix)
	if !ok {
		return Config{}, &FieldError{File: abs, Msg: "not a " + ZipSuffix + " file"}
	}
	dir := filepath.Dir(abs)
	return l.load(name, dir, filepath.Join(dir, name+".json"), abs)
}

// Load loads the function name of the functions directory root: the
// directory root/name (LoadDir) or the zip root/name.zip (LoadZip). Both
// at once is an error.
func Load(root, name string) (Config, error) { return Loader{}.Load(root, name) }

// Load is Load, checked against l.Host.
func (l Loader) Load(root, name string) (Config, error) {
	dir, zipFile := filepath.Join(root, name), filepath.Join(root, name+ZipSuffix)
	dirFI, dirErr := os.Stat(dir)
	isDir := dirErr == nil && dirFI.IsDir()
	zipFI, zipErr := os.Stat(zipFile)
	isZip := zipErr == nil && !zipFI.IsDir()
	switch {
	case isDir && isZip:
		return Config{}, &FieldError{File: zipFile, Msg: "both this zip and the directory " + dir + " define function " + name + ": remove one"}
	case isZip:
		return l.LoadZip(zipFile)
	case isDir || !errors.Is(dirErr, fs.ErrNotExist):
		return l.loadDir(dir)
	}
	return Config{}, fmt.Errorf("load function %s: no directory %s or zip %s: %w", name, dir, zipFile, fs.ErrNotExist)
}
