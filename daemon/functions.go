package daemon

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/invokeapi"
	"github.com/lambdad/lambdad/launcher"
	"github.com/lambdad/lambdad/rootfs"
)

// registry is the functions loaded at start: the good ones, and the reason
// each broken one cannot run (reported on every invoke of it).
type registry struct {
	fns  map[string]function.Config
	errs map[string]error
}

var _ invokeapi.Functions = (*registry)(nil)

// loadFunctions loads every function of dir; broken ones are logged and
// kept with their error, so invoking them says what is wrong. A function
// that asks for a network mode not in nets is broken too, and so is one
// loader refuses for the host's interpreters, or whose code zip or layers
// store cannot unpack (unpacked here, once, so that the first cold start
// does not pay for it). A function that runs on the host's interpreter is
// logged with a warning saying which.
// An image function's image is pulled here unless the host has it, and each
// runtime's base image decided (im), so that no invoke waits for a pull; an
// image that cannot be had, or a runtime that runs only on its image
// without one, breaks the function.
func loadFunctions(loader function.Loader, dir string, store *rootfs.Store, im *images, nets map[string]launcher.Network, daemonMode string, logger *slog.Logger) (*registry, error) {
	fns, errs, err := loader.LoadAll(dir)
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	for name, fn := range fns {
		if _, ok := nets[fn.Network]; fn.Network != "" && !ok {
			errs[name] = &function.FieldError{File: fn.Source, Field: "Network", Msg: launcher.NetworkError(fn.Network, daemonMode).Error()}
			delete(fns, name)
			continue
		}
		if fn.ZipFile != "" || len(fn.Layers) > 0 {
			if _, err := store.Unpack(fn.ZipFile, fn.Layers); err != nil {
				errs[name] = err
				delete(fns, name)
				continue
			}
		}
		if err := im.check(fn); err != nil {
			errs[name] = err
			delete(fns, name)
		}
	}
	r := &registry{fns: fns, errs: errs}
	for _, fn := range r.byName() {
		logger.Info("function loaded", "function", fn.Name, "runtime", fn.Runtime, "memory_mb", fn.MemorySize, "timeout_s", fn.Timeout)
		if fn.RunsOn != "" {
			logger.Warn("function runs on the host's interpreter, not Lambda's runtime", "function", fn.Name, "runtime", fn.Runtime, "runs_on", fn.RunsOn)
		}
	}
	for name, err := range errs {
		logger.Error("function cannot be loaded", "function", name, "err", err)
	}
	return r, nil
}

func (r *registry) Lookup(name string) (function.Config, error) {
	if err, ok := r.errs[name]; ok {
		return function.Config{}, err
	}
	fn, ok := r.fns[name]
	if !ok {
		return function.Config{}, invokeapi.ErrFunctionNotFound
	}
	return fn, nil
}

// provisioned lists the functions that keep sandboxes initialised ahead of
// demand (ProvisionedConcurrency > 0).
func (r *registry) provisioned() []function.Config {
	var out []function.Config
	for _, fn := range r.byName() {
		if fn.ProvisionedConcurrency > 0 {
			out = append(out, fn)
		}
	}
	return out
}

// byName lists the functions in name order.
// List is the functions that can run, by name (invokeapi.Functions).
func (r *registry) List() []function.Config { return r.byName() }

func (r *registry) byName() []function.Config {
	out := make([]function.Config, 0, len(r.fns))
	for _, fn := range r.fns {
		out = append(out, fn)
	}
	slices.SortFunc(out, func(a, b function.Config) int { return strings.Compare(a.Name, b.Name) })
	return out
}
