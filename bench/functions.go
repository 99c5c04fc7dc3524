package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// functionsDir lays out the benchmark's functions under dir:
//
//	echo       the Go echo example, 128 MB (warm rows)
//	echo-1769  the same at 1769 MB, one full vCPU (warm rows, for comparison)
//	cnone-I    copies of echo with "Network": "none", each invoked once;
//	           first in name order, so the daemon prestarts their spares
//	cold-I     the same with the daemon's network (egress), spares too
//	nospare-I  the same, beyond the daemon's spares
//	nsnone-I   the same with "Network": "none"
//	prov-I     the same with ProvisionedConcurrency 1
//	image-I    the echo example as an image (imageRef), beyond the spares,
//	           with "Network": "none"
//	imgdir-I   the same as a directory
//	sleep      bench/fn, which sleeps sleep_ms (the idle sandboxes)
type functionsDir struct {
	dir                    string
	colds, nospares, provs int
	nones                  int // cnone-I and nsnone-I each
	images                 int // image-I and imgdir-I each
	imageRef               string
}

func (f functionsDir) cold(i int) string        { return fmt.Sprintf("cold-%d", i) }
func (f functionsDir) nospare(i int) string     { return fmt.Sprintf("nospare-%d", i) }
func (f functionsDir) coldNone(i int) string    { return fmt.Sprintf("cnone-%d", i) }
func (f functionsDir) nospareNone(i int) string { return fmt.Sprintf("nsnone-%d", i) }
func (f functionsDir) prov(i int) string        { return fmt.Sprintf("prov-%d", i) }
func (f functionsDir) image(i int) string       { return fmt.Sprintf("image-%d", i) }
func (f functionsDir) imageDir(i int) string    { return fmt.Sprintf("imgdir-%d", i) }

// spares is how many spares the daemon needs: one for each cnone-I and
// cold-I, the first functions by name.
func (f functionsDir) spares() int { return f.nones + f.colds }

// build writes every function; echoBootstrap is the built example.
func (f functionsDir) build(ctx context.Context, repo, echoBootstrap string, nIdle int) error {
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	shared := filepath.Join(f.dir, ".echo-bootstrap")
	if err := copyFile(echoBootstrap, shared); err != nil {
		return err
	}
	add := func(name, bootstrap string, cfg map[string]any) error {
		d := filepath.Join(f.dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if bootstrap != "" {
			if err := os.Link(bootstrap, filepath.Join(d, "bootstrap")); err != nil {
				return err
			}
		}
		data, _ := json.Marshal(cfg)
		return os.WriteFile(filepath.Join(d, "function.json"), data, 0o644)
	}
	echo := func(memory int) map[string]any {
		return map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": memory, "Timeout": 10}
	}
	if err := add("echo", shared, echo(128)); err != nil {
		return err
	}
	if err := add("echo-1769", shared, echo(1769)); err != nil {
		return err
	}
	for i := range f.colds {
		if err := add(f.cold(i), shared, echo(128)); err != nil {
			return err
		}
	}
	for i := range f.nospares {
		if err := add(f.nospare(i), shared, echo(128)); err != nil {
			return err
		}
	}
	none := echo(128)
	none["Network"] = "none"
	for i := range f.nones {
		if err := add(f.coldNone(i), shared, none); err != nil {
			return err
		}
		if err := add(f.nospareNone(i), shared, none); err != nil {
			return err
		}
	}
	for i := range f.provs {
		cfg := echo(128)
		cfg["ProvisionedConcurrency"] = 1
		if err := add(f.prov(i), shared, cfg); err != nil {
			return err
		}
	}
	// Network none, both: the bridge takes at most 1023 sandboxes (the
	// kernel's limit of a bridge's ports), which the other rows come near.
	for i := range f.images {
		if err := add(f.image(i), "", map[string]any{"PackageType": "Image", "ImageUri": f.imageRef, "MemorySize": 128, "Timeout": 10, "Network": "none"}); err != nil {
			return err
		}
		if err := add(f.imageDir(i), shared, none); err != nil {
			return err
		}
	}
	// The sleeper: at most nIdle at once, so extra invokes are throttled
	// rather than adding sandboxes.
	if err := add("sleep", "", map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap",
		"MemorySize": 128, "Timeout": 120, "ReservedConcurrentExecutions": nIdle}); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", "lambda.norpc",
		"-o", filepath.Join(f.dir, "sleep", "bootstrap"), "./bench/fn")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build bench/fn: %w\n%s", err, out)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
