package catalog

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MaxZipBytes is the largest code zip CreateFunction and
// UpdateFunctionCode take in the request, as Lambda's direct upload: 50 MB.
const MaxZipBytes = 50 << 20

// codeStore keeps code zips by the hex sha256 of their bytes.
type codeStore struct{ dir string }

func (s codeStore) path(sum string) string { return filepath.Join(s.dir, sum+".zip") }

// put stores zip (if not there yet) and returns its hex sha256. The file
// and its directory entry are synced before put returns, so that a record
// committed afterwards never names a zip a crash lost.
func (s codeStore) put(zip []byte) (string, error) {
	sum := sha256.Sum256(zip)
	name := hex.EncodeToString(sum[:])
	if _, err := os.Stat(s.path(name)); err == nil {
		return name, nil
	}
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(zip)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o444)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path(name))
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		return "", fmt.Errorf("store code: %w", err)
	}
	return name, nil
}

// prune removes the zips not in keep, and temporary files a crash left.
func (s codeStore) prune(keep map[string]bool) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		sum, ok := strings.CutSuffix(e.Name(), ".zip")
		if ok && keep[sum] {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// lambdaSHA256 is a hex sha256 as Lambda's CodeSha256 says it: base64.
func lambdaSHA256(hexSum string) string {
	b, err := hex.DecodeString(hexSum)
	if err != nil {
		return hexSum
	}
	return base64.StdEncoding.EncodeToString(b)
}
