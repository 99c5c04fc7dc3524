package function

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// CodeDigest is what the control plane says of c's code, as Lambda's
// CodeSha256 and CodeSize: for a zip, the base64 sha256 and size of the
// zip file; for a directory, the sha256 of every file's relative path,
// mode and contents (and every symlink's target), in path order, and the
// sum of its regular files' sizes; for an image, nothing (its digest is the
// image store's).
func CodeDigest(c Config) (sha string, size int64, err error) {
	switch {
	case c.IsImage():
		return "", 0, nil
	case c.ZipFile != "":
		f, err := os.Open(c.ZipFile)
		if err != nil {
			return "", 0, err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return "", 0, err
		}
		return base64.StdEncoding.EncodeToString(h.Sum(nil)), n, nil
	case c.CodeDir == "":
		return "", 0, nil
	}
	var names []string
	err = filepath.WalkDir(c.CodeDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != c.CodeDir {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, path := range names {
		fi, err := os.Lstat(path)
		if err != nil {
			return "", 0, err
		}
		rel, _ := filepath.Rel(c.CodeDir, path)
		fmt.Fprintf(h, "%q %o\n", rel, uint32(fi.Mode()))
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return "", 0, err
			}
			io.WriteString(h, target+"\n")
		case fi.Mode().IsRegular():
			f, err := os.Open(path)
			if err != nil {
				return "", 0, err
			}
			n, err := io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", 0, err
			}
			size += n
		}
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), size, nil
}
