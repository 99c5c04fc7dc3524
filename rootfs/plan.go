package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// planVersion is hashed into every digest; bump it when the way a plan is
// built changes, so that old trees are not reused.
const planVersion = "lambdad rootfs v1"

type kind uint8

const (
	kindDir kind = iota + 1
	kindFile
	kindSymlink
)

// An entry is one thing a prepared tree contains.
type entry struct {
	kind   kind
	mode   fs.FileMode // permissions (and sticky bit) of a dir or file
	data   []byte      // contents of a file
	target string      // target of a symlink
}

// A plan lists everything a tree will contain before anything is written, so
// that the tree can be named by its digest.
type plan struct {
	entries map[string]entry // by absolute, clean path inside the tree
	binds   []Bind
}

func newPlan() *plan {
	return &plan{entries: map[string]entry{"/": {kind: kindDir, mode: 0o755}}}
}

func (p *plan) dir(name string, mode fs.FileMode) {
	p.add(name, entry{kind: kindDir, mode: mode})
}

func (p *plan) file(name string, data []byte) {
	p.add(name, entry{kind: kindFile, mode: 0o644, data: data})
}

func (p *plan) symlink(name, target string) {
	p.add(name, entry{kind: kindSymlink, target: target})
}

// bind adds an empty mountpoint at dest for the host directory source.
func (p *plan) bind(source, dest string) {
	p.dir(dest, 0o755)
	p.binds = append(p.binds, Bind{Source: source, Destination: dest})
}

// has reports whether name is planned as a file or symlink.
func (p *plan) has(name string) bool {
	e, ok := p.entries[name]
	return ok && e.kind != kindDir
}

// add plans e at name, and 0755 directories for its missing parents.
func (p *plan) add(name string, e entry) {
	name = path.Join("/", name)
	for dir := path.Dir(name); dir != "/"; dir = path.Dir(dir) {
		if _, ok := p.entries[dir]; !ok {
			p.entries[dir] = entry{kind: kindDir, mode: 0o755}
		}
	}
	p.entries[name] = e
}

// names returns the planned paths, each parent before its children.
func (p *plan) names() []string {
	names := make([]string, 0, len(p.entries))
	for name := range p.entries {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// digest names the tree: the first 12 hex digits of a sha256 over every
// entry (file contents included) and every bind.
func (p *plan) digest() string {
	h := sha256.New()
	io.WriteString(h, planVersion+"\n")
	for _, name := range p.names() {
		e := p.entries[name]
		switch e.kind {
		case kindDir:
			fmt.Fprintf(h, "dir %q %o\n", name, uint32(e.mode))
		case kindFile:
			fmt.Fprintf(h, "file %q %o %x\n", name, uint32(e.mode), sha256.Sum256(e.data))
		case kindSymlink:
			fmt.Fprintf(h, "symlink %q %q\n", name, e.target)
		}
	}
	for _, b := range p.binds {
		fmt.Fprintf(h, "bind %q %q\n", b.Source, b.Destination)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// build writes the plan into the empty directory dir. Everything is made
// root-owned when running as root; modes are set explicitly, whatever the
// umask.
func (p *plan) build(dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	chown := os.Geteuid() == 0
	for _, name := range p.names() {
		if parent := p.entries[path.Dir(name)]; parent.kind != kindDir {
			return fmt.Errorf("create %s: parent is not a directory", name)
		}
		rel := strings.TrimPrefix(name, "/")
		if rel == "" {
			rel = "."
		}
		if err := create(root, rel, p.entries[name]); err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		if chown {
			if err := root.Lchown(rel, 0, 0); err != nil {
				return fmt.Errorf("chown %s: %w", name, err)
			}
		}
	}
	return nil
}

func create(root *os.Root, rel string, e entry) error {
	switch e.kind {
	case kindDir:
		if rel != "." {
			if err := root.Mkdir(rel, 0o700); err != nil {
				return err
			}
		}
		return root.Chmod(rel, e.mode)
	case kindFile:
		f, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(e.data)
		if err == nil {
			err = f.Chmod(e.mode)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case kindSymlink:
		return root.Symlink(e.target, rel)
	}
	return fmt.Errorf("unknown entry kind %d", e.kind)
}
