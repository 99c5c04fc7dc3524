package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
	"github.com/lambdad/lambdad/launcher"
	"github.com/lambdad/lambdad/rootfs"
	"github.com/lambdad/lambdad/scheduler"
	"github.com/lambdad/lambdad/template"
	"github.com/lambdad/lambdad/watch"
)

// checker prepares a function before it may serve, and says why it cannot:
// a network mode not in nets is refused; a code zip and layers are unpacked
// by store (here, once, so that the first cold start does not pay for it);
// an image function's image is pulled unless the host has it, and each
// runtime's base image decided (im), so that no invoke waits for a pull; an
// image that cannot be had, or a runtime that runs only on its image
// without one, breaks the function. It checks directory functions at
// load and the control plane's at each change.
func checker(store *rootfs.Store, im *images, nets map[string]launcher.Network, daemonMode string) func(function.Config) error {
	return func(fn function.Config) error {
		if _, ok := nets[fn.Network]; fn.Network != "" && !ok {
			return &function.FieldError{File: fn.Source, Field: "Network", Msg: launcher.NetworkError(fn.Network, daemonMode).Error()}
		}
		if fn.ZipFile != "" || len(fn.Layers) > 0 {
			if _, err := store.Unpack(fn.ZipFile, fn.Layers); err != nil {
				return err
			}
		}
		return im.check(fn)
	}
}

// loadDir loads every function of dir, each checked (checker); broken ones
// are kept with their error, so invoking them says what is wrong.
func loadDir(loader function.Loader, dir string, check func(function.Config) error) (map[string]function.Config, map[string]error, error) {
	fns, errs, err := loader.LoadAll(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("functions: %w", err)
	}
	for name, fn := range fns {
		if err := check(fn); err != nil {
			errs[name] = err
			delete(fns, name)
		}
	}
	return fns, errs, nil
}

// logLoaded logs the functions loaded and why each broken one is; one that
// runs on the host's interpreter is logged with a warning saying which.
func logLoaded(fns map[string]function.Config, errs map[string]error, logger *slog.Logger) {
	for _, name := range slices.Sorted(maps.Keys(fns)) {
		fn := fns[name]
		logger.Info("function loaded", "function", fn.Name, "runtime", fn.Runtime, "memory_mb", fn.MemorySize, "timeout_s", fn.Timeout)
		if fn.RunsOn != "" {
			logger.Warn("function runs on the host's interpreter, not Lambda's runtime", "function", fn.Name, "runtime", fn.Runtime, "runs_on", fn.RunsOn)
		}
	}
	logBroken(errs, logger)
}

// logBroken logs why each broken function cannot be loaded.
func logBroken(errs map[string]error, logger *slog.Logger) {
	for name, err := range errs {
		logger.Error("function cannot be loaded", "function", name, "err", err)
	}
}

// reloadDebounce is how long the functions directory must be quiet before
// its changes are loaded: an editor's save, a build's burst of writes.
const reloadDebounce = 200 * time.Millisecond

// loadStatic loads the read-only functions: those of the functions
// directory and of the template, each checked; and the aliases the
// template's AutoPublishAlias gives them. A name both define is an error
// of both.
func (d *Daemon) loadStatic() (map[string]function.Config, map[string]error, map[string]string, error) {
	fns, errs, aliases := map[string]function.Config{}, map[string]error{}, map[string]string{}
	if dir := d.cfg.FunctionsDir; dir != "" {
		var err error
		if fns, errs, err = loadDir(d.loader, dir, d.check); err != nil {
			return nil, nil, nil, err
		}
	}
	if d.cfg.Template == "" {
		return fns, errs, aliases, nil
	}
	tfns, terrs, err := template.Load(d.cfg.Template, d.cfg.TemplateParams)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--template: %w", err)
	}
	both := func(name string) error {
		delete(fns, name)
		return fmt.Errorf("function %s is defined twice: in --functions %s and in --template %s; rename one", name, d.cfg.FunctionsDir, d.cfg.Template)
	}
	for name, err := range terrs {
		if _, dup := fns[name]; dup {
			err = both(name)
		}
		errs[name] = err
	}
	for _, tf := range tfns {
		if _, dup := fns[tf.Name]; dup || errs[tf.Name] != nil {
			errs[tf.Name] = both(tf.Name)
			continue
		}
		for _, w := range tf.Warnings {
			d.logger.Warn("template function", "function", tf.Name, "warning", w)
		}
		cfg, err := d.loader.LoadDefinition(tf.Name, tf.Base, tf.Source, tf.Definition, tf.ZipFile)
		if err == nil {
			err = d.check(cfg)
		}
		if err != nil {
			errs[tf.Name] = err
			continue
		}
		fns[tf.Name] = cfg
		if tf.AutoPublishAlias != "" {
			aliases[tf.Name] = tf.AutoPublishAlias
		}
	}
	return fns, errs, aliases, nil
}

// watchDirs are the directories whose changes reload the read-only
// functions: the functions directory, and the template's.
func (d *Daemon) watchDirs() []string {
	var dirs []string
	if d.cfg.FunctionsDir != "" {
		dirs = append(dirs, d.cfg.FunctionsDir)
	}
	if d.cfg.Template != "" {
		dirs = append(dirs, filepath.Dir(d.cfg.Template))
	}
	return dirs
}

// watchFunctions reloads the read-only functions after each burst of
// changes in dir, until ctx ends. A watch that fails (the inotify limit,
// the directory removed) is logged; the daemon serves on without reloads.
func (d *Daemon) watchFunctions(ctx context.Context, dir string) {
	err := watch.Watch(ctx, dir, reloadDebounce, d.reload)
	if err != nil {
		d.logger.Error("not watching for changes any more: they take effect at the next start", "dir", dir, "err", err)
	}
}

// reload loads the read-only functions again: functions added, changed and
// removed take effect for the next invoke (the sandboxes of a changed one
// go once idle). A function that served before and whose edit broke it
// keeps serving its last good definition, the error logged; so does every
// function when the template no longer parses.
func (d *Daemon) reload() {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	fns, errs, aliases, err := d.loadStatic()
	if err != nil {
		d.logger.Error("functions not reloaded: serving the last good ones", "err", err)
		return
	}
	for name, err := range errs {
		if last, ok := d.static[name]; ok {
			d.logger.Error("function's edit is broken: serving its last good definition", "function", name, "err", err)
			fns[name] = last
			delete(errs, name)
		}
	}
	for name := range fns {
		if _, ok := d.static[name]; !ok {
			d.logger.Info("function added", "function", name)
		}
	}
	for name := range d.static {
		if _, ok := fns[name]; !ok {
			if _, broken := errs[name]; !broken {
				d.logger.Info("function removed", "function", name)
			}
		}
	}
	logBroken(errs, d.logger)
	d.static = fns
	d.functions.SetStatic(fns, errs, aliases)
	d.logger.Info("functions reloaded", "functions", len(fns), "broken", len(errs))
}

// openCatalog opens the control plane's catalog under stateDir: the
// functions, versions and aliases made through the API, persisted.
func openCatalog(stateDir string, loader function.Loader, check func(function.Config) error, d *Daemon) (*catalog.Catalog, error) {
	return catalog.Open(catalog.Options{
		Dir: filepath.Join(stateDir, "control"), Loader: loader, Check: check, Logger: d.logger,
		OnRetire: d.retire, OnChange: d.catalogChanged,
	})
}

// resolveEvent is the function an async event runs, as the catalog has
// it now (scheduler.QueueConfig.Resolve).
func (d *Daemon) resolveEvent(name, qualifier string) (function.Config, error) {
	fn, err := d.functions.Lookup(name, qualifier)
	if errors.Is(err, catalog.ErrNotFound) {
		return fn, fmt.Errorf("%w: %w", scheduler.ErrNoFunction, err)
	}
	return fn, err
}

// retire lets the sandboxes of revisions no invoke will ask for again go:
// idle ones now, busy ones when their invoke is over; their spares too.
func (d *Daemon) retire(keys []string) {
	if d.sched != nil {
		d.sched.Retire(keys...)
	}
	if d.launcher != nil {
		d.launcher.Retire(keys)
	}
}

// catalogChanged gives the scheduler the provisioned concurrency the
// catalog now asks for (within the limits), and the launcher the functions
// to keep spares of.
func (d *Daemon) catalogChanged() {
	if d.sched == nil { // opening: New sets the scheduler up after
		return
	}
	fit, _ := allotProvisioned(d.functions.Provisioned(), d.cfg.MaxSandboxes, d.cfg.MemoryBudgetMB, d.logger)
	d.sched.SetProvisioned(fit)
	d.launcher.Prestart(d.functions.Functions())
}
