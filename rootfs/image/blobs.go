package image

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// blobPath is where the blob with digest ("sha256:<hex>") is kept.
func (s *Store) blobPath(digest string) (string, error) {
	alg, hx, ok := strings.Cut(digest, ":")
	if !ok || alg != "sha256" || len(hx) != 64 || strings.Trim(hx, "0123456789abcdef") != "" {
		return "", fmt.Errorf("unsupported digest %q (want sha256:<64 hex>)", digest)
	}
	return filepath.Join(s.dir, "blobs", "sha256", hx), nil
}

func (s *Store) hasBlob(digest string) bool {
	p, err := s.blobPath(digest)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// putBlob stores what r yields as the blob digest, checking it hashes to
// digest. It is written to a temporary file and renamed, so a blob that
// exists is whole; an interrupted download leaves only a temporary file,
// removed now or, after a crash, by the next Open.
func (s *Store) putBlob(digest string, r io.Reader, count func(int64)) (retErr error) {
	final, err := s.blobPath(digest)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(final), tempPrefix+filepath.Base(final)+"-")
	if err != nil {
		return err
	}
	defer func() {
		if retErr != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	buf := make([]byte, 256<<10)
	var done int64
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			done += int64(n)
			count(done)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != digest {
		return fmt.Errorf("blob %s: content hashes to %s", digest, got)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), final)
}

func (s *Store) removeBlob(digest string) error {
	p, err := s.blobPath(digest)
	if err != nil {
		return err
	}
	return os.Remove(p)
}

func statSize(p string) (int64, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
