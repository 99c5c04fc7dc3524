package image

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPull(t *testing.T) {
	reg := newRegistry(t)
	ref := host(reg) + "/fn:v1"
	push(t, ref, helloImage(t, "hello v1"))
	s := openStore(t, Options{})
	var events []Event
	var mu sync.Mutex
	img, err := s.Pull(bg, ref, func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, img, "hello"); got != "hello v1" {
		t.Errorf("hello = %q", got)
	}
	if img.Ref != ref || !strings.HasPrefix(img.Digest, "sha256:") {
		t.Errorf("Ref %q Digest %q", img.Ref, img.Digest)
	}
	for _, p := range []Phase{Downloading, Downloaded, Unpacking, Unpacked} {
		if !slices.ContainsFunc(events, func(e Event) bool { return e.Phase == p }) {
			t.Errorf("no %s event in %v", p, events)
		}
	}

	got, err := s.Get(ref)
	if err != nil || got.Tree.Path != img.Tree.Path || got.Digest != img.Digest {
		t.Errorf("Get = %+v, %v", got, err)
	}
	for _, q := range []string{img.Digest, strings.TrimPrefix(img.Digest, "sha256:")[:12], host(reg) + "/fn@" + img.Digest} {
		if got, err := s.Get(q); err != nil || got.Digest != img.Digest {
			t.Errorf("Get(%q) = %+v, %v", q, got, err)
		}
	}
	if _, err := s.Get(host(reg) + "/fn:v2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of an image never pulled: %v, want ErrNotFound", err)
	}

	// The same image again: nothing downloaded, same tree.
	events = nil
	again, err := s.Pull(bg, ref, func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() })
	if err != nil || again.Tree.Path != img.Tree.Path {
		t.Fatalf("second pull: %+v, %v", again, err)
	}
	if slices.ContainsFunc(events, func(e Event) bool { return e.Phase == Downloading }) {
		t.Error("second pull downloaded")
	}

	// A tag moved to a new image: the pull takes the new one.
	push(t, ref, helloImage(t, "hello v2"))
	v2, err := s.Pull(bg, ref, nil)
	if err != nil || readTree(t, v2, "hello") != "hello v2" || v2.Digest == img.Digest {
		t.Fatalf("pull of the moved tag: %+v, %v", v2, err)
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Digest != v2.Digest || len(list[1].Refs) != 0 || !list[1].TreePresent {
		t.Fatalf("List = %+v, %v", list, err)
	}

	// Prune: the untagged v1 goes (unless in use), with its tree and the
	// blob it alone used.
	if removed, err := s.Prune([]string{img.Digest}); err != nil || len(removed) != 0 {
		t.Fatalf("Prune keeping v1 = %v, %v", removed, err)
	}
	removed, err := s.Prune(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(removed, img.Digest) || !slices.Contains(removed, img.Tree.Path) || len(removed) != 3 {
		t.Errorf("Prune removed %v, want v1, its tree and its hello layer", removed)
	}
	if _, err := os.Stat(img.Tree.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("v1's tree: %v", err)
	}
	if _, err := s.Get(ref); err != nil {
		t.Errorf("v2 after prune: %v", err)
	}

	// Remove, prune: nothing left.
	if err := s.Remove(ref); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Remove: %v, want ErrNotFound", err)
	}
	if _, err := s.Prune(nil); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, s)
}

// TestPullIndex pulls a multi-arch index: the host's image is the one
// unpacked.
func TestPullIndex(t *testing.T) {
	reg := newRegistry(t)
	other := "arm64"
	if runtime.GOARCH == "arm64" {
		other = "amd64"
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: testImage(t, other, testLayer(t, false, entry{name: "arch", body: other})),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: other}}},
		mutate.IndexAddendum{Add: testImage(t, runtime.GOARCH, testLayer(t, false, entry{name: "arch", body: runtime.GOARCH})),
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}}},
	)
	r, _ := name.ParseReference(host(reg) + "/multi:1")
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, Options{})
	img, err := s.Pull(bg, r.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, img, "arch"); got != runtime.GOARCH {
		t.Errorf("arch = %q, want %q", got, runtime.GOARCH)
	}
	// By the index's digest too.
	d, _ := idx.Digest()
	byDigest := host(reg) + "/multi@" + d.String()
	if img2, err := s.Pull(bg, byDigest, nil); err != nil || img2.Digest != img.Digest {
		t.Fatalf("pull by index digest: %+v, %v", img2, err)
	}
	if got, err := s.Get(byDigest); err != nil || got.Digest != img.Digest {
		t.Errorf("Get(%s) = %+v, %v", byDigest, got, err)
	}

	// An image of another architecture alone is refused.
	push(t, host(reg)+"/foreign:1", testImage(t, other, testLayer(t, false, entry{name: "x"})))
	if _, err := s.Pull(bg, host(reg)+"/foreign:1", nil); !errors.Is(err, ErrNoPlatform) {
		t.Errorf("pull of a %s image: %v, want ErrNoPlatform", other, err)
	}
}

// TestPullAuth pulls from a registry requiring basic auth, with
// credentials from a docker config in $DOCKER_CONFIG.
func TestPullAuth(t *testing.T) {
	reg := newRegistry(t)
	var denied atomic.Int64
	authed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "lambda" || p != "s3cret" {
			denied.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(authed.Close)
	push(t, host(reg)+"/private:1", helloImage(t, "secret hello"))
	ref := host(authed) + "/private:1"

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	s := openStore(t, Options{})
	if _, err := s.Pull(bg, ref, nil); err == nil {
		t.Fatal("pull without credentials worked")
	}
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{host(authed): map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte("lambda:s3cret"))}}})
	if err := os.WriteFile(filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := s.Pull(bg, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	if readTree(t, img, "hello") != "secret hello" || denied.Load() == 0 {
		t.Errorf("hello = %q, %d requests denied", readTree(t, img, "hello"), denied.Load())
	}
}

// dialTo sends every connection to addr, whatever the name asked for: the
// test's registries get names that go-containerregistry does not take for
// local (and so reach over HTTPS unless told otherwise).
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// TestInsecureRegistry pulls from a plain HTTP registry named like a
// remote one: refused unless --insecure-registry names it.
func TestInsecureRegistry(t *testing.T) {
	reg := newRegistry(t)
	push(t, host(reg)+"/fn:1", helloImage(t, "plain"))
	ref := "registry.example.test:5000/fn:1"

	s := openStore(t, Options{})
	s.dial = dialTo(host(reg))
	if _, err := s.Pull(bg, ref, nil); err == nil {
		t.Fatal("pull over plain HTTP without --insecure-registry worked")
	}
	s = openStore(t, Options{Insecure: []string{"registry.example.test:5000"}})
	s.dial = dialTo(host(reg))
	img, err := s.Pull(bg, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	if readTree(t, img, "hello") != "plain" || img.Ref != ref {
		t.Errorf("image %+v", img)
	}
}

// TestMirror pulls a Docker Hub image through a mirror, without reaching
// Docker Hub: the dialer only knows the mirror.
func TestMirror(t *testing.T) {
	reg := newRegistry(t)
	push(t, host(reg)+"/library/alpine:3", helloImage(t, "mirrored"))
	var dialed []string
	var mu sync.Mutex
	s := openStore(t, Options{Mirrors: []string{"http://down.example.test", "http://mirror.example.test"}})
	s.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		if !strings.HasPrefix(addr, "mirror.example.test:") {
			return nil, fmt.Errorf("test: no route to %s", addr)
		}
		return dialTo(host(reg))(ctx, network, addr)
	}
	img, err := s.Pull(bg, "alpine:3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if img.Ref != "index.docker.io/library/alpine:3" || readTree(t, img, "hello") != "mirrored" {
		t.Errorf("image %+v", img)
	}
	if got, err := s.Get("alpine:3"); err != nil || got.Digest != img.Digest {
		t.Errorf("Get(alpine:3) = %+v, %v", got, err)
	}
	if slices.ContainsFunc(dialed, func(a string) bool { return strings.Contains(a, "docker.io") }) {
		t.Errorf("dialed Docker Hub: %v", dialed)
	}
}

// TestPullResumes: a pull that fails midway keeps the layers it finished,
// and the next pull downloads only the rest.
func TestPullResumes(t *testing.T) {
	reg := newRegistry(t)
	img := helloImage(t, "resumed")
	layers, _ := img.Layers()
	first, _ := layers[0].Digest()
	second, _ := layers[1].Digest()
	var failSecond atomic.Bool
	failSecond.Store(true)
	blobs := map[string]*atomic.Int64{first.String(): {}, second.String(): {}}
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for d, n := range blobs {
			if strings.HasSuffix(r.URL.Path, "/blobs/"+d) && r.Method == http.MethodGet {
				n.Add(1)
				if d == second.String() && failSecond.Load() {
					http.Error(w, "broken", http.StatusForbidden)
					return
				}
			}
		}
		reg.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(flaky.Close)
	push(t, host(reg)+"/fn:1", img)
	ref := host(flaky) + "/fn:1"
	s := openStore(t, Options{})
	if _, err := s.Pull(bg, ref, nil); err == nil {
		t.Fatal("pull with a broken layer worked")
	}
	if !s.hasBlob(first.String()) || s.hasBlob(second.String()) {
		t.Fatalf("after the failed pull: first layer kept %v, second %v", s.hasBlob(first.String()), s.hasBlob(second.String()))
	}
	if entries, _ := os.ReadDir(s.rootfs.Dir()); len(entries) != 0 {
		t.Errorf("a tree was left: %v", entries)
	}
	failSecond.Store(false)
	got, err := s.Pull(bg, ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	if readTree(t, got, "hello") != "resumed" || blobs[first.String()].Load() != 1 {
		t.Errorf("hello %q; first layer fetched %d times, want 1", readTree(t, got, "hello"), blobs[first.String()].Load())
	}

	// A lost tree is unpacked again from the blobs by Ensure, offline.
	if err := os.RemoveAll(got.Tree.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get without a tree: %v, want ErrNotFound", err)
	}
	flaky.Close()
	again, err := s.Ensure(bg, ref, nil)
	if err != nil || readTree(t, again, "hello") != "resumed" {
		t.Fatalf("Ensure: %+v, %v", again, err)
	}
}

// TestConcurrentPulls: pulls of one image at once, from two stores on one
// state directory as two processes would, agree on one tree.
func TestConcurrentPulls(t *testing.T) {
	reg := newRegistry(t)
	ref := host(reg) + "/fn:1"
	push(t, ref, helloImage(t, "together"))
	dir := t.TempDir()
	var wg sync.WaitGroup
	paths := make([]string, 4)
	errs := make([]error, 4)
	for i := range paths {
		s := openStore(t, Options{StateDir: dir})
		wg.Go(func() {
			img, err := s.Pull(bg, ref, nil)
			paths[i], errs[i] = img.Tree.Path, err
		})
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Errorf("pull %d: %s, %v", i, paths[i], errs[i])
		}
	}
	s := openStore(t, Options{StateDir: dir})
	entries, _ := os.ReadDir(s.rootfs.Dir())
	if len(entries) != 1 {
		t.Errorf("rootfs store holds %d entries, want one tree", len(entries))
	}
}

func TestPullCanceled(t *testing.T) {
	reg := newRegistry(t)
	ref := host(reg) + "/fn:1"
	push(t, ref, helloImage(t, "x"))
	s := openStore(t, Options{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := s.Pull(ctx, ref, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pull with a canceled context: %v", err)
	}
	assertEmpty(t, s)
}

// TestOpenRemovesStale: what a crashed pull left (a half-unpacked tree, a
// half-written blob, a load directory), once old, goes at the next Open;
// fresh ones, maybe another process's work, stay.
func TestOpenRemovesStale(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, Options{StateDir: dir})
	old := []string{
		filepath.Join(s.rootfs.Dir(), ".tmp-image-0123456789ab-1"),
		filepath.Join(s.dir, "blobs", "sha256", ".tmp-abc-1"),
		filepath.Join(s.dir, ".tmp-load-1"),
	}
	fresh := filepath.Join(s.rootfs.Dir(), ".tmp-image-0123456789ab-2")
	for _, p := range append(old, fresh) {
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * staleTemp)
	for _, p := range old {
		os.Chtimes(p, long, long)
	}
	openStore(t, Options{StateDir: dir})
	for _, p := range old {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: still there (%v)", p, err)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh temporary tree was removed: %v", err)
	}
}
