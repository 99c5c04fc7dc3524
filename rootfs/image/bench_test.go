package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// BenchmarkPull pulls and unpacks a 50 MB image (1110 files of random, so
// incompressible, bytes in three layers) from the in-process registry into
// a fresh store each time.
func BenchmarkPull(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	layerOf := func(files, size int) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		data := make([]byte, size)
		for i := range files {
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/f%d", i%20, i), Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg})
			tw.Write(data)
		}
		tw.Close()
		return buf.Bytes()
	}
	var total int64
	var layers []entryLayer
	for _, spec := range [][2]int{{1000, 20 << 10}, {100, 200 << 10}, {10, 1 << 20}} {
		tb := layerOf(spec[0], spec[1])
		total += int64(len(tb))
		layers = append(layers, entryLayer(tb))
	}
	img := testImage(b, runtime.GOARCH, layers[0].layer(b), layers[1].layer(b), layers[2].layer(b))
	reg := newRegistry(b)
	ref := host(reg) + "/big:1"
	push(b, ref, img)
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		dir, err := os.MkdirTemp(b.TempDir(), "state")
		if err != nil {
			b.Fatal(err)
		}
		s := openStore(b, Options{StateDir: dir})
		if _, err := s.Pull(bg, ref, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(filepath.Join(dir))
		b.StartTimer()
	}
}

type entryLayer []byte

func (e entryLayer) layer(b *testing.B) v1.Layer {
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(e)), nil }, tarball.WithCompressedCaching)
	if err != nil {
		b.Fatal(err)
	}
	return l
}
