package function

import (
	"encoding/base64"
	"encoding/hex"

	"github.com/lambdad/lambdad/rootfs"
)

// CodeDigest is what the control plane says of c's code, as Lambda's
// CodeSha256 and CodeSize: for a zip, the base64 sha256 and size of the
// zip file; for a directory, rootfs.Digest's sha256 of its whole contents
// and the size of its regular files; for an image, nothing (its digest is
// the image store's).
func CodeDigest(c Config) (sha string, size int64, err error) {
	code := c.ZipFile
	if code == "" {
		code = c.CodeDir
	}
	if c.IsImage() || code == "" {
		return "", 0, nil
	}
	sum, size, err := rootfs.Digest(code)
	if err != nil {
		return "", 0, err
	}
	raw, err := hex.DecodeString(sum)
	if err != nil {
		return "", 0, err
	}
	return base64.StdEncoding.EncodeToString(raw), size, nil
}
