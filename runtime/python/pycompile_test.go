package python

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPyCompile byte-compiles every .py file, into a temporary directory so
// that the source tree stays free of __pycache__.
func TestPyCompile(t *testing.T) {
	interp := python(t)
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".py") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found only %v", files)
	}
	const script = `import os, py_compile, sys
for i, f in enumerate(sys.argv[2:]):
    py_compile.compile(f, cfile=os.path.join(sys.argv[1], "%d.pyc" % i), doraise=True)
`
	args := append([]string{"-c", script, t.TempDir()}, files...)
	if out, err := exec.Command(interp, args...).CombinedOutput(); err != nil {
		t.Fatalf("py_compile: %v\n%s", err, out)
	}
}
