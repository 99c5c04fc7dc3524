package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/lambdad/lambdad/lambda"
)

// The built-in bases.
const (
	Provided = "provided" // minimal tree for static binaries (provided.al2023 family)
	Host     = "host"     // host system dirs bound read-only, so host python3/node run inside
)

// Where a tree keeps its CA bundle, and the Amazon Linux name for it.
const (
	caBundle     = "/etc/ssl/certs/ca-certificates.crt"
	caBundleAL   = "/etc/pki/tls/certs/ca-bundle.crt"
	caBundleLink = "../../../ssl/certs/ca-certificates.crt" // from caBundleAL's directory
)

var (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		lambda.UserName + ":x:" + strconv.Itoa(lambda.UID) + ":" + strconv.Itoa(lambda.GID) + "::/tmp:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	group = "root:x:0:\n" +
		lambda.UserName + ":x:" + strconv.Itoa(lambda.GID) + ":\n" +
		"nogroup:x:65534:\n"
	hosts = "127.0.0.1\tlocalhost sandbox.localdomain sandbox\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n"
	nsswitch  = "passwd: files\ngroup: files\nhosts: files dns\n"
	osRelease = `NAME="lambdad provided"
ID=lambdad
VARIANT_ID=provided
PRETTY_NAME="lambdad provided base (for static bootstraps)"
`
)

// identity plans lambdad's own passwd, group and hosts.
func identity(p *plan) {
	p.file("/etc/passwd", []byte(passwd))
	p.file("/etc/group", []byte(group))
	p.file("/etc/hosts", []byte(hosts))
}

// mountpoints plans every mountpoint: /tmp 1777, the rest 0755, and the
// file mountpoints, empty unless the tree has them already.
func mountpoints(p *plan) {
	for _, f := range lambda.FileMountpoints {
		if !p.has(f) {
			p.file(f, nil)
		}
	}
	for _, m := range lambda.Mountpoints {
		mode := fs.FileMode(0o755)
		if m == lambda.TmpDir {
			mode = 0o777 | fs.ModeSticky
		}
		p.dir(m, mode)
	}
}

// linkCABundle plans the Amazon Linux name of the CA bundle, if the tree has
// one.
func linkCABundle(p *plan) {
	if p.has(caBundle) {
		p.symlink(caBundleAL, caBundleLink)
	}
}

// hostCABundle reads the host's CA bundle (Debian's name, else Fedora's and
// Amazon Linux's), or returns nil if the host has none.
func hostCABundle(host string) ([]byte, error) {
	for _, name := range []string{caBundle, caBundleAL} {
		data, err := os.ReadFile(filepath.Join(host, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read CA bundle: %w", err)
		}
		return data, nil
	}
	return nil, nil
}
