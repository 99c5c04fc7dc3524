package sigv4

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrKeyFileMode: a key file others than its owner and group may read or
// write.
var ErrKeyFileMode = errors.New("key file is accessible to other users")

// Keys maps access key ids to their secrets.
type Keys map[string]string

// LoadKeys reads a key file (ParseKeys' format). It refuses a file that
// is not a regular file or that other users may read or write.
func LoadKeys(path string) (Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth keys: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("auth keys: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("auth keys %s: not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o007 != 0 {
		return nil, fmt.Errorf("auth keys %s: mode %04o: %w (chmod o-rwx %s)", path, perm, ErrKeyFileMode, path)
	}
	keys, err := ParseKeys(f)
	if err != nil {
		return nil, fmt.Errorf("auth keys %s: %w", path, err)
	}
	return keys, nil
}

// ParseKeys reads one key a line, its access key id and its secret access
// key separated by blanks:
//
//	# comment
//	AKIALAMBDADEXAMPLE1 wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//
// Blank lines and lines starting with # are skipped. An id is 1 to 128
// letters, digits, '_' or '-'; ids are unique; at least one key.
func ParseKeys(r io.Reader) (Keys, error) {
	keys := Keys{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want ACCESS_KEY_ID SECRET_ACCESS_KEY, got %d fields", n, len(fields))
		}
		id, secret := fields[0], fields[1]
		if !validKeyID(id) {
			return nil, fmt.Errorf("line %d: access key id %q: want 1 to 128 letters, digits, '_' or '-'", n, id)
		}
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("line %d: access key id %s given twice", n, id)
		}
		keys[id] = secret
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys: want lines ACCESS_KEY_ID SECRET_ACCESS_KEY")
	}
	return keys, nil
}

func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
