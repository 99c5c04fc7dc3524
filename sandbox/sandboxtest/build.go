package sandboxtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildInit compiles the in-sandbox init (static, CGO_ENABLED=0) into
// dir/init, so dir can serve as a sandbox's runtime directory. It is meant for
// TestMain, hence the error instead of a testing.TB.
func BuildInit(dir string) error {
	// Hook for the cgroup v2 lane (scripts/cgroup2-lane.sh): its guest has no
	// Go toolchain, so it passes an init built on the host in LAMBDAD_TEST_INIT.
	if prebuilt := os.Getenv(TestInitEnv); prebuilt != "" {
		return copyInit(prebuilt, dir)
	}
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "init"), "./runtime/init")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build init: %v\n%s", err, out)
	}
	return os.Chmod(dir, 0o755)
}

// TestInitEnv names the variable holding a prebuilt init that BuildInit copies
// instead of running go build (scripts/cgroup2-lane.sh sets it).
const TestInitEnv = "LAMBDAD_TEST_INIT"

func copyInit(src, dir string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("%s: %w", TestInitEnv, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "init"), data, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// ModuleRoot is the directory of the project's go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the lambdad module")
	}
	return filepath.Dir(gomod), nil
}

// Busybox is where Debian's busybox-static installs its binary.
const Busybox = "/bin/busybox"

// BusyboxDir fills dir with a static busybox and a symlink per applet, so a
// sandbox with dir as its code directory has sh, sleep, awk, … in /var/task.
func BusyboxDir(dir string) error {
	data, err := os.ReadFile(Busybox)
	if err != nil {
		return fmt.Errorf("busybox (apt-get install busybox-static): %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "busybox"), data, 0o755); err != nil {
		return err
	}
	out, err := exec.Command(Busybox, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(dir, applet)); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o755)
}

// BuildRuntime fills dir as lambdad's runtime directory: the init (see
// BuildInit), the Python runtime client under dir/python, the Node.js one
// under dir/nodejs, and the AWS SDK for JavaScript under dir/nodejs-sdk
// when `make build` has installed it in the checkout's bin/runtime (see
// NodeSDKDir).
func BuildRuntime(dir string) error {
	if err := BuildInit(dir); err != nil {
		return err
	}
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	if err := copyTree(filepath.Join(root, "runtime", "nodejs"), filepath.Join(dir, "nodejs"), func(rel string) bool {
		return rel == "index.mjs" || strings.HasPrefix(rel, "lib/") && strings.HasSuffix(rel, ".mjs")
	}); err != nil {
		return err
	}
	if sdk := NodeSDKDir(); sdk != "" {
		if err := copyTree(sdk, filepath.Join(dir, "nodejs-sdk"), func(string) bool { return true }); err != nil {
			return err
		}
	}
	src := filepath.Join(root, "runtime", "python")
	dst := filepath.Join(dir, "python")
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir() && d.Name() == "__pycache__":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case strings.HasSuffix(path, ".py"):
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		return nil
	})
}

// EscapeFnEnv names the variable holding a prebuilt escapefn that
// BuildEscapeFn copies instead of running go build (scripts/cgroup2-lane.sh
// sets it).
const EscapeFnEnv = "LAMBDAD_TEST_ESCAPEFN"

// BuildEscapeFn compiles internal/testfn/escapefn (static) to path.
func BuildEscapeFn(path string) error {
	if prebuilt := os.Getenv(EscapeFnEnv); prebuilt != "" {
		data, err := os.ReadFile(prebuilt)
		if err != nil {
			return fmt.Errorf("%s: %w", EscapeFnEnv, err)
		}
		return os.WriteFile(path, data, 0o755)
	}
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", path, "./internal/testfn/escapefn")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build escapefn: %v\n%s", err, out)
	}
	return nil
}

// NodeSDKDir is the checkout's bin/runtime/nodejs-sdk (make build), or ""
// if it is not there.
func NodeSDKDir() string {
	root, err := ModuleRoot()
	if err != nil {
		return ""
	}
	dir := filepath.Join(root, "bin", "runtime", "nodejs-sdk")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-lambda")); err != nil {
		return ""
	}
	return dir
}

// copyTree copies the regular files of src that keep(their slash path
// relative to src) says, and symlinks, to dst, hard-linking each file when
// it can; the copies are world-readable, as sandboxes read them.
func copyTree(src, dst string, keep func(rel string) bool) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !keep(filepath.ToSlash(rel)):
			return nil
		case d.Type()&os.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			if fi, err := d.Info(); err == nil && fi.Mode().Perm()&0o004 != 0 && os.Link(path, target) == nil {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		return nil
	})
}

// CopyTree copies src to dst as BuildRuntime copies the runtime clients:
// for tests that put a tree (node_modules) into a function's code.
func CopyTree(src, dst string) error {
	return copyTree(src, dst, func(string) bool { return true })
}
