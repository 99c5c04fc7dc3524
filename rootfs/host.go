package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// systemDirs are bound from the host (directories) or reproduced (symlinks,
// as /bin -> usr/bin on a merged-/usr host), in mount order.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// hostEtc are the names under the host's /etc copied into the host tree,
// besides python3*: what the dynamic loader, name lookups, TLS and the
// interpreters read.
var hostEtc = []string{
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "host.conf",
	"localtime", "protocols", "services", "mime.types", "ssl",
	"ca-certificates.conf", "alternatives", "os-release",
}

// secret names are never copied, even when world-readable.
var secret = map[string]bool{
	"shadow": true, "shadow-": true, "gshadow": true, "gshadow-": true, "private": true,
}

// hostPlan plans the skeleton tree over the host rooted at host ("/" outside
// tests).
func hostPlan(host string) (*plan, error) {
	p := newPlan()
	for _, d := range systemDirs {
		src := filepath.Join(host, d)
		fi, err := os.Lstat(src)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("inspect host %s: %w", d, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(src)
			if err != nil {
				return nil, fmt.Errorf("inspect host %s: %w", d, err)
			}
			p.symlink(d, target)
		case fi.IsDir():
			p.bind(src, d)
		}
	}

	names := slices.Clone(hostEtc)
	pythons, err := filepath.Glob(filepath.Join(host, "etc", "python3*"))
	if err != nil {
		return nil, err
	}
	for _, py := range pythons {
		names = append(names, filepath.Base(py))
	}
	for _, name := range names {
		if err := copyHost(p, filepath.Join(host, "etc", name), path.Join("/etc", name)); err != nil {
			return nil, fmt.Errorf("copy host /etc/%s: %w", name, err)
		}
	}
	identity(p)
	linkCABundle(p)
	mountpoints(p)
	return p, nil
}

// copyHost plans a copy of the host file or tree src at dst: symlinks stay
// symlinks, directories and regular files are copied if world-readable and
// not secret, anything else is skipped, as is src if it is absent.
func copyHost(p *plan, src, dst string) error {
	fi, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	mode := fi.Mode()
	if secret[fi.Name()] {
		return nil
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		p.symlink(dst, target)
	case mode.IsDir():
		if mode.Perm()&0o005 != 0o005 {
			return nil
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		p.dir(dst, 0o755)
		for _, e := range entries {
			if err := copyHost(p, filepath.Join(src, e.Name()), path.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	case mode.IsRegular():
		if mode.Perm()&0o004 == 0 {
			return nil
		}
		data, err := os.ReadFile(src)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		p.file(dst, data)
	}
	return nil
}
