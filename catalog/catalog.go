package catalog

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lambdad/lambdad/function"
	bolt "go.etcd.io/bbolt"
)

// Options configure a Catalog.
type Options struct {
	// Dir keeps the database and the code zips (created if missing); "":
	// nothing persists and the API cannot create functions.
	Dir string
	// Loader reads definitions (function.Loader.LoadDefinition).
	Loader function.Loader
	// Check prepares a function before it may serve (its network, its code
	// unpacked, its image pulled) and says why it cannot; nil: none.
	Check func(function.Config) error
	// OnRetire is told the keys (function.Config.Key) no invoke will ask
	// for again once a change is committed: their sandboxes may go once
	// idle. nil: no one is told.
	OnRetire func(keys []string)
	// OnChange is called after every committed change (provisioned
	// concurrency may differ: see Provisioned). nil: none.
	OnChange func()
	Logger   *slog.Logger // nil: slog.Default()
}

// Catalog is the functions lambdad serves. It is safe for concurrent use.
type Catalog struct {
	opts Options
	db   *bolt.DB // nil without Options.Dir
	code codeStore

	// writeMu serialises changes: each reads, prepares and commits alone.
	// mu guards the maps; readers take it shared.
	writeMu sync.Mutex
	mu      sync.RWMutex
	fns     map[string]*entry       // the API's
	static  map[string]*staticEntry // read-only, by name
}

// entry is an API function: its record and what its revisions load to.
type entry struct {
	rec      *record
	latest   loaded
	versions map[string]loaded
}

// loaded is a revision as the daemon runs it, or why it cannot.
type loaded struct {
	cfg function.Config
	err error
}

// staticEntry is a function of a functions directory or a template.
type staticEntry struct {
	cfg function.Config
	// alias is a name invokes may qualify it with, as they would the
	// version a template's AutoPublishAlias names; "": none.
	alias  string
	err    error
	digest struct {
		once sync.Once
		sum  string
		size int64
		err  error
	}
}

// Open opens the catalog kept in opts.Dir and loads every function in it
// (each checked, as on CreateFunction; one that no longer loads is kept,
// broken, with its error).
func Open(opts Options) (*Catalog, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Check == nil {
		opts.Check = func(function.Config) error { return nil }
	}
	c := &Catalog{opts: opts, fns: map[string]*entry{}, static: map[string]*staticEntry{}}
	if opts.Dir == "" {
		return c, nil
	}
	c.code = codeStore{filepath.Join(opts.Dir, "code")}
	if err := os.MkdirAll(c.code.dir, 0o700); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	db, err := bolt.Open(filepath.Join(opts.Dir, "catalog.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("catalog: %s: %w (is another lambdad using this state directory?)", filepath.Join(opts.Dir, "catalog.db"), err)
	}
	recs, err := readRecords(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog: %s: %w", db.Path(), err)
	}
	c.db = db
	keep := map[string]bool{}
	for name, r := range recs {
		c.fns[name] = c.load(r)
		for _, rev := range append([]revision{r.Latest}, r.Versions...) {
			if s := rev.Code.ZipSHA256; s != "" {
				keep[s] = true
			}
		}
	}
	if err := c.code.prune(keep); err != nil {
		c.opts.Logger.Warn("unused code zips not removed", "dir", c.code.dir, "err", err)
	}
	return c, nil
}

// Close closes the database.
func (c *Catalog) Close() error {
	if c.db == nil {
		return nil
	}
	return c.db.Close()
}

// load loads every revision of r.
func (c *Catalog) load(r *record) *entry {
	e := &entry{rec: r, latest: c.loadRevision(r.Name, &r.Latest), versions: map[string]loaded{}}
	for i := range r.Versions {
		e.versions[r.Versions[i].Version] = c.loadRevision(r.Name, &r.Versions[i])
	}
	return e
}

// loadRevision loads and checks one revision of the function name.
func (c *Catalog) loadRevision(name string, rev *revision) loaded {
	zip := ""
	if rev.Code.ZipSHA256 != "" {
		zip = c.code.path(rev.Code.ZipSHA256)
	}
	source := "function " + name + " (" + rev.Version + ", created through the API)"
	cfg, err := c.opts.Loader.LoadDefinition(name, c.code.dir, source, rev.Definition, zip)
	// Named even when it does not load: its Key is what OnRetire is told
	// when it is replaced or deleted.
	cfg.Name, cfg.Version, cfg.RevisionID = name, rev.Version, rev.RevisionID
	if err == nil {
		cfg.CodeDir = "" // the code is the zip, or the image
		err = c.opts.Check(cfg)
	}
	return loaded{cfg: cfg, err: err}
}

// SetStatic replaces the read-only functions: fns load, errs say why each
// other one cannot; aliases (by function) name an alias invokes may qualify
// a function with (a template's AutoPublishAlias). A name the API already
// uses stays the API's, and the read-only one of that name is reported
// broken while it does (see staticErrLocked).
func (c *Catalog) SetStatic(fns map[string]function.Config, errs map[string]error, aliases map[string]string) {
	static := make(map[string]*staticEntry, len(fns)+len(errs))
	for name, cfg := range fns {
		cfg.Version = function.LatestVersion
		cfg.RevisionID = staticRevision(cfg)
		static[name] = &staticEntry{cfg: cfg, alias: aliases[name]}
	}
	for name, err := range errs {
		static[name] = &staticEntry{cfg: function.Config{Name: name}, err: err}
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	old := c.static
	c.static = static
	c.mu.Unlock()
	var retired []string
	for name, s := range old {
		if n, ok := static[name]; s.err == nil && (!ok || n.cfg.Key() != s.cfg.Key()) {
			retired = append(retired, s.cfg.Key())
		}
	}
	c.changed(retired)
}

// staticErrLocked is why the read-only function name (s) is not served:
// its own error, or an API function of the same name, which wins for as
// long as it exists. The caller holds mu.
func (c *Catalog) staticErrLocked(name string, s *staticEntry) error {
	if s.err != nil {
		return s.err
	}
	if _, ok := c.fns[name]; ok {
		return fmt.Errorf("function %s (%s) is not served: a function of that name was created through the API", name, cmp.Or(s.cfg.Source, "read-only"))
	}
	return nil
}

// names tells whether qualifier names the read-only function's only
// version: none, $LATEST, or its alias.
func (s *staticEntry) names(qualifier string) bool {
	return qualifier == "" || qualifier == function.LatestVersion || (s.alias != "" && qualifier == s.alias)
}

// staticRevision names a read-only function's definition: it changes when
// the definition or any file it came from does (its definition file, zip,
// code directory and layers, each file's name, size, mode and modification
// time; no file is read, no link followed), so that an edit in place of a
// handler retires the sandboxes that loaded the old one.
func staticRevision(cfg function.Config) string {
	h := sha256.New()
	json.NewEncoder(h).Encode(cfg)
	for _, root := range append([]string{cfg.Source, cfg.ZipFile, cfg.CodeDir}, cfg.Layers...) {
		if root == "" {
			continue
		}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // gone since it loaded: the next reload says so
			}
			if fi, err := d.Info(); err == nil {
				fmt.Fprintf(h, "%q %d %d %v\n", p, fi.ModTime().UnixNano(), fi.Size(), fi.Mode())
			}
			return nil
		})
	}
	return uuidOf(h.Sum(nil))
}

// uuidOf formats the first 16 bytes of sum as a UUID.
func uuidOf(sum []byte) string {
	s := hex.EncodeToString(sum[:16])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// changed tells the daemon about a committed change.
func (c *Catalog) changed(retired []string) {
	if len(retired) > 0 && c.opts.OnRetire != nil {
		c.opts.OnRetire(retired)
	}
	if c.opts.OnChange != nil {
		c.opts.OnChange()
	}
}

// ErrNotFound matches (errors.Is) every *Error with Code NotFound: a
// function, version or alias that does not exist.
var ErrNotFound = errors.New("function not found")

// Lookup resolves what an invoke of name with qualifier ("" or $LATEST, a
// version, an alias) runs. An alias with a routing configuration picks
// one of its two versions at random by their weights; the Config's Version
// says which. A function that exists but cannot run gives the reason.
func (c *Catalog) Lookup(name, qualifier string) (function.Config, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.fns[name]; ok {
		v, err := e.resolve(qualifier, true)
		if err != nil {
			return function.Config{}, err
		}
		l := e.loadedOf(v)
		if l.err != nil {
			return function.Config{}, l.err
		}
		cfg := l.cfg
		cfg.ReservedConcurrency = e.rec.Reserved
		cfg.EventInvoke = nil
		if r, ok := e.rec.EventInvoke[cmp.Or(qualifier, function.LatestVersion)]; ok {
			c := r.Config
			cfg.EventInvoke = &c
		}
		return cfg, nil
	}
	s, ok := c.static[name]
	if !ok {
		return function.Config{}, notFound(name, qualifier)
	}
	if !s.names(qualifier) {
		return function.Config{}, notFound(name, qualifier)
	}
	return s.cfg, s.err
}

// notFound is the error for a function or qualifier that is not there.
func notFound(name, qualifier string) error {
	what := name
	if qualifier != "" {
		what += ":" + qualifier
	}
	return &Error{Code: NotFound, Message: "Function not found: " + what}
}

// resolve is the version qualifier names: "" and $LATEST are $LATEST, a
// number a published version, anything else an alias (routed if route,
// else its FunctionVersion).
func (e *entry) resolve(qualifier string, route bool) (string, error) {
	switch {
	case qualifier == "" || qualifier == function.LatestVersion:
		return function.LatestVersion, nil
	case isVersionNumber(qualifier):
		if _, ok := e.versions[qualifier]; !ok {
			return "", notFound(e.rec.Name, qualifier)
		}
		return qualifier, nil
	}
	a, ok := e.rec.Aliases[qualifier]
	if !ok {
		return "", notFound(e.rec.Name, qualifier)
	}
	if route {
		for v, w := range a.Weights {
			if rand.Float64() < w {
				return v, nil
			}
		}
	}
	return a.FunctionVersion, nil
}

// loadedOf is version v of e ($LATEST or published).
func (e *entry) loadedOf(v string) loaded {
	if v == function.LatestVersion {
		return e.latest
	}
	return e.versions[v]
}

func isVersionNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == "" && s[0] != '0'
}

// Version is one version of a function as the control plane describes it.
type Version struct {
	Config function.Config // Version and RevisionID set
	// Err says why the version cannot run (a broken definition, a network
	// or image it cannot have); nil when it can.
	Err          error
	Description  string
	CodeSHA256   string // base64, as Lambda's CodeSha256
	CodeSize     int64
	CodeLocation string // where the code is: file://… (zip functions)
	LastModified time.Time
	// ReadOnly says where a function the API cannot change is defined;
	// "" for the API's own.
	ReadOnly string
	// Reserved is the function's reserved concurrency; nil: none.
	Reserved *int
	Tags     map[string]string
}

// Describe is the version qualifier names ("" or $LATEST, a version, an
// alias: its FunctionVersion), as GetFunction reports it.
func (c *Catalog) Describe(name, qualifier string) (Version, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.fns[name]; ok {
		v, err := e.resolve(qualifier, false)
		if err != nil {
			return Version{}, err
		}
		return c.describe(e, v), nil
	}
	s, ok := c.static[name]
	if !ok || !s.names(qualifier) {
		return Version{}, notFound(name, qualifier)
	}
	return s.describe(), nil
}

// describe is version v of e.
func (c *Catalog) describe(e *entry, v string) Version {
	rev := &e.rec.Latest
	if v != function.LatestVersion {
		rev = e.rec.version(v)
	}
	l := e.loadedOf(v)
	out := Version{
		Config: l.cfg, Err: l.err, Description: rev.Description,
		CodeSize: rev.Code.ZipSize, LastModified: rev.LastModified,
		Reserved: e.rec.Reserved, Tags: maps.Clone(e.rec.Tags),
	}
	out.Config.Name, out.Config.Version, out.Config.RevisionID = e.rec.Name, rev.Version, rev.RevisionID
	out.Config.ReservedConcurrency = e.rec.Reserved
	if s := rev.Code.ZipSHA256; s != "" {
		out.CodeSHA256 = lambdaSHA256(s)
		out.CodeLocation = "file://" + c.code.path(s)
	}
	if rev.Code.ImageURI != "" {
		out.Config.PackageType, out.Config.ImageURI = function.PackageImage, rev.Code.ImageURI
	}
	return out
}

// describe is a read-only function's only version.
func (s *staticEntry) describe() Version {
	out := Version{Config: s.cfg, Err: s.err, ReadOnly: cmp.Or(s.cfg.Source, s.cfg.CodeDir, "a functions directory"),
		Reserved: s.cfg.ReservedConcurrency, LastModified: lastModified(s.cfg)}
	// What a client sees of the mark: ListFunctions and GetFunction show
	// Description.
	out.Description = "lambdad: read-only, defined by " + out.ReadOnly
	if s.err != nil {
		return out
	}
	s.digest.once.Do(func() { s.digest.sum, s.digest.size, s.digest.err = function.CodeDigest(s.cfg) })
	if s.digest.err == nil {
		out.CodeSHA256, out.CodeSize = s.digest.sum, s.digest.size
	}
	if !s.cfg.IsImage() {
		out.CodeLocation = "file://" + cmp.Or(s.cfg.ZipFile, s.cfg.CodeDir)
	}
	return out
}

// lastModified is when a read-only function's definition last changed
// (its definition file, zip or directory).
func lastModified(cfg function.Config) time.Time {
	var t time.Time
	for _, p := range []string{cfg.Source, cfg.ZipFile, cfg.CodeDir} {
		if fi, err := os.Stat(p); p != "" && err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	return t
}

// List is the $LATEST version of every function that can run, or, with
// all, every version of every function (ListFunctions'
// FunctionVersion=ALL), ordered by name and version.
func (c *Catalog) List(all bool) []Version {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Version
	for _, e := range c.fns {
		if e.latest.err == nil {
			out = append(out, c.describe(e, function.LatestVersion))
		}
		if all {
			for _, rev := range e.rec.Versions {
				out = append(out, c.describe(e, rev.Version))
			}
		}
	}
	for name, s := range c.static {
		if c.staticErrLocked(name, s) == nil {
			out = append(out, s.describe())
		}
	}
	slices.SortFunc(out, func(a, b Version) int {
		return cmp.Or(strings.Compare(a.Config.Name, b.Config.Name), compareVersions(a.Config.Version, b.Config.Version))
	})
	return out
}

// compareVersions orders $LATEST first, then versions by number.
func compareVersions(a, b string) int {
	if a == b {
		return 0
	}
	if a == function.LatestVersion {
		return -1
	}
	if b == function.LatestVersion {
		return 1
	}
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

// Functions is every function that can run ($LATEST), by name: what the
// daemon prepares spares for.
func (c *Catalog) Functions() []function.Config { return c.Configs(false) }

// Configs is what List lists, as the Configs invokes run (with, all, every
// version too), without describing them: no code is hashed for it, as
// List's read-only functions are the first time.
func (c *Catalog) Configs(all bool) []function.Config {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []function.Config
	for _, e := range c.fns {
		withReserved := func(cfg function.Config) function.Config {
			cfg.ReservedConcurrency = e.rec.Reserved
			return cfg
		}
		if e.latest.err == nil {
			out = append(out, withReserved(e.latest.cfg))
		}
		if all {
			for _, rev := range e.rec.Versions {
				out = append(out, withReserved(e.versions[rev.Version].cfg))
			}
		}
	}
	for name, s := range c.static {
		if c.staticErrLocked(name, s) == nil {
			out = append(out, s.cfg)
		}
	}
	slices.SortFunc(out, func(a, b function.Config) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), compareVersions(a.Version, b.Version))
	})
	return out
}

// Broken is the functions that cannot run, by name, and why.
func (c *Catalog) Broken() map[string]error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string]error{}
	for name, e := range c.fns {
		if e.latest.err != nil {
			out[name] = e.latest.err
		}
	}
	for name, s := range c.static {
		if err := c.staticErrLocked(name, s); err != nil {
			out[name] = err
		}
	}
	return out
}
