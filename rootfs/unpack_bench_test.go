package rootfs

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkUnpack measures what a cold start pays for a function's zip and
// layers once the store holds their trees (a stat of the zip; a walk of a
// directory layer), and what the first unpack of a 1000-file zip costs.
func BenchmarkUnpack(b *testing.B) {
	entries := make([]zent, 1000)
	for i := range entries {
		entries[i] = zent{name: fmt.Sprintf("pkg%d/mod%d.py", i%20, i), data: strings.Repeat("x = 1\n", 100)}
	}
	src := b.TempDir()
	zipPath := writeFile(b, src, "code.zip", makeZip(b, entries...))
	layer := filepath.Join(src, "layer")
	for _, e := range entries {
		writeFile(b, layer, e.name, []byte(e.data))
	}
	s, err := NewStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Unpack(zipPath, []string{layer}); err != nil {
		b.Fatal(err)
	}
	b.Run("cached zip", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Unpack(zipPath, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached directory layer of 1000 files", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Unpack("", []string{layer}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first unpack of 1000 files", func(b *testing.B) {
		for b.Loop() {
			fresh, err := NewStore(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := fresh.Unpack(zipPath, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
