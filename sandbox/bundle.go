package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// BundleRoot is the bundle's copy of the base tree, relative to the bundle.
const BundleRoot = "rootfs"

// WriteBundle writes the sandbox req describes as an OCI bundle in dir
// (made if missing; it must be empty): config.json, the spec lambdad
// starts it from, and rootfs/, a copy of its base tree. `runc run` starts
// it with the same root, mounts, user, namespaces and limits as lambdad
// does, for looking at a function's environment outside lambdad. What
// differs: the CPU quota is set from the start (lambdad sets it after the
// runtime's init), the cgroup is cgroupPath, the network namespace is a new
// one with loopback only (req's Network, HostNetwork and Files are left
// out), nothing serves the Runtime API, and runc compiles the seccomp
// profile itself, with libseccomp, and without lambdad's own rules (which
// Docker's default implies for a process without capabilities). The code,
// runtime and opt directories are bound from where req names them. The
// sandbox's user namespace maps the function's ids and root to the first
// slot of the host ids from firstUID (0: DefaultFirstUID), as lambdad's
// first sandbox has them, but runc makes the namespace as root, so the
// kernel counts its per-user limits against root (userns.go); and every
// directory above dir must be searchable by others (0711), as for lambdad's
// base trees.
func WriteBundle(req CreateRequest, cgroupPath, dir string, firstUID int) error {
	if req.ID == "" {
		req.ID = NewID()
	}
	req.RuntimeAPIAddr, req.Network, req.HostNetwork, req.Files = "", nil, false, nil
	if err := req.validate(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		if err == nil {
			err = fmt.Errorf("%s is not empty", dir)
		}
		return fmt.Errorf("bundle: %w", err)
	}
	spec := specFor(&req, cgroupPath, "", true)
	spec.Root.Path = BundleRoot
	spec.Linux.Seccomp = req.Seccomp.Profile
	if firstUID == 0 {
		firstUID = DefaultFirstUID
	}
	if err := checkUIDRange(firstUID); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	u := &userNS{uid: firstUID, root: firstUID + 1, inUID: req.UID, inGID: req.GID}
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	spec.Linux.UIDMappings, spec.Linux.GIDMappings = u.specMaps()
	if err := copyTree(req.Root.Path, filepath.Join(dir, BundleRoot)); err != nil {
		return fmt.Errorf("bundle: copy the base tree: %w", err)
	}
	data, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// copyTree copies the tree at src to dst (which must not exist):
// directories, regular files and symlinks, with their modes and owners.
// Anything else (a base tree has none) is refused.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch mode := fi.Mode(); {
		case mode.IsDir():
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
		case mode.IsRegular():
			if err := copyFile(path, target); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %v is neither a file, a directory nor a symlink", path, mode.Type())
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, fs.ErrPermission) {
				return err
			}
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return os.Chmod(target, fi.Mode()&(fs.ModePerm|fs.ModeSticky|fs.ModeSetuid|fs.ModeSetgid))
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
