package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/lambdad/lambdad/daemon"
	"github.com/lambdad/lambdad/function"
)

// runtimeImageFlag is --runtime-image RUNTIME=REF, repeatable.
func runtimeImageFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "runtime-image", Usage: "RUNTIME=REF: the image a managed runtime's zip functions run on, " +
		"instead of AWS's base image (public.ecr.aws/lambda/python:3.12 for python3.12, …); REF '" + daemon.HostRuntime + "' runs them on the " +
		"host's interpreter; RUNTIME '*' is every runtime not named on its own (repeatable)"}
}

// registryFlags are --registry-mirror and --insecure-registry, for
// whatever pulls images.
func registryFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "registry-mirror", Usage: "registry tried before Docker Hub for its images, as host[:port] or URL (repeatable)"},
		&cli.StringSliceFlag{Name: "insecure-registry", Usage: "host[:port] of a registry reached over plain HTTP or TLS without verification (repeatable)"},
	}
}

// runtimeImages parses --runtime-image's values into runtime → reference.
func runtimeImages(values []string) (map[string]string, error) {
	refs := map[string]string{}
	for _, v := range values {
		rt, ref, ok := strings.Cut(v, "=")
		switch {
		case !ok || rt == "" || ref == "":
			return nil, fmt.Errorf("--runtime-image %q: want RUNTIME=REF, e.g. python3.12=registry.local/lambda/python:3.12", v)
		case rt != "*" && function.FamilyOf(rt) == nil:
			return nil, fmt.Errorf("--runtime-image %q: %q is not a runtime lambdad runs", v, rt)
		}
		refs[rt] = ref
	}
	return refs, nil
}
