package sigv4

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKeys(t *testing.T) {
	keys, err := ParseKeys(strings.NewReader("# lambdad's keys\n\nAKIA_one-1 s3cr/t+=\n  ci\tother-secret  \n"))
	if err != nil || len(keys) != 2 || keys["AKIA_one-1"] != "s3cr/t+=" || keys["ci"] != "other-secret" {
		t.Fatalf("got %v, %v", keys, err)
	}
	for _, bad := range []string{
		"", "# only a comment\n", "id\n", "id secret extra\n", "id/x secret\n", "a b\na c\n", strings.Repeat("k", 129) + " s\n",
	} {
		if keys, err := ParseKeys(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: got %v, want an error", bad, keys)
		}
	}
}

// TestLoadKeysRefusesOthersAccess: a key file other users may read or
// write is refused, saying so; the owner's and group's access is fine.
func TestLoadKeysRefusesOthersAccess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte("id secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{{0o600, true}, {0o640, true}, {0o644, false}, {0o602, false}, {0o601, false}} {
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		keys, err := LoadKeys(path)
		switch {
		case tc.ok && (err != nil || keys["id"] != "secret"):
			t.Errorf("mode %04o: %v, %v", tc.mode, keys, err)
		case !tc.ok && (!errors.Is(err, ErrKeyFileMode) || !strings.Contains(err.Error(), "chmod o-rwx")):
			t.Errorf("mode %04o: got %v, want ErrKeyFileMode", tc.mode, err)
		}
	}
	if _, err := LoadKeys(filepath.Dir(path)); err == nil {
		t.Error("a directory was accepted as a key file")
	}
}
