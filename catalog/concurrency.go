package catalog

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
)

// AccountConcurrency is the concurrency of lambdad's one account, as
// Lambda's default quota; MinUnreserved is what reservations must leave
// to the functions without one.
const (
	AccountConcurrency = 1000
	MinUnreserved      = 100
)

// PutConcurrency sets the function's reserved concurrency.
func (c *Catalog) PutConcurrency(name string, n int) error {
	return c.edit(name, func(next *record) error {
		if n < 0 || AccountConcurrency-c.reservedBesides(name)-n < MinUnreserved {
			return errorf(InvalidParameter, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", MinUnreserved)
		}
		if p := provisionedTotal(next, ""); n < p {
			return errorf(InvalidParameter, "ReservedConcurrentExecutions %d for function %s is lower than its total provisioned concurrency [%d].", n, name, p)
		}
		next.Reserved = &n
		return nil
	})
}

// reservedBesides is the concurrency every function but name reserves.
func (c *Catalog) reservedBesides(name string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for other, e := range c.fns {
		if r := e.rec.Reserved; other != name && r != nil {
			n += *r
		}
	}
	for other, s := range c.static {
		if r := s.cfg.ReservedConcurrency; other != name && r != nil && c.staticErrLocked(other, s) == nil {
			n += *r
		}
	}
	return n
}

// DeleteConcurrency removes the function's reserved concurrency.
func (c *Catalog) DeleteConcurrency(name string) error {
	return c.edit(name, func(next *record) error { next.Reserved = nil; return nil })
}

// edit commits a change of the function name's record that leaves its
// revisions as they are: change edits a copy, or says why it may not.
func (c *Catalog) edit(name string, change func(next *record) error) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return err
	}
	next := rec.clone()
	if err := change(next); err != nil {
		return err
	}
	return c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil)
}

// ProvisionedConfig is a provisioned-concurrency configuration.
type ProvisionedConfig struct {
	Qualifier    string
	Requested    int
	LastModified time.Time
	// Config is the version kept warm (an alias's FunctionVersion), with
	// ProvisionedConcurrency set to Requested.
	Config function.Config
}

// PutProvisioned sets the provisioned concurrency of a version or alias.
func (c *Catalog) PutProvisioned(name, qualifier string, n int) (ProvisionedConfig, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return ProvisionedConfig{}, err
	}
	// Lambda refuses $LATEST, and an alias that points to it.
	v, err := old.resolve(qualifier, false)
	if err != nil {
		return ProvisionedConfig{}, err
	}
	if v == function.LatestVersion {
		return ProvisionedConfig{}, errorf(InvalidParameter, "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
	}
	if n < 1 {
		return ProvisionedConfig{}, errorf(InvalidParameter, "1 validation error detected: Value '%d' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
	}
	if r := rec.Reserved; r != nil && provisionedTotal(rec, qualifier)+n > *r {
		return ProvisionedConfig{}, errorf(InvalidParameter, "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function (%d, of which %d provisioned for other qualifiers).", *r, provisionedTotal(rec, qualifier))
	}
	next := rec.clone()
	if next.Provisioned == nil {
		next.Provisioned = map[string]*provisioned{}
	}
	next.Provisioned[qualifier] = &provisioned{Requested: n, LastModified: now()}
	e := &entry{rec: next, latest: old.latest, versions: old.versions}
	if err := c.commit(e, nil); err != nil {
		return ProvisionedConfig{}, err
	}
	return c.provisionedOf(e, qualifier), nil
}

// provisionedTotal is the provisioned concurrency r asks for, but
// qualifier's.
func provisionedTotal(r *record, except string) int {
	n := 0
	for q, p := range r.Provisioned {
		if q != except {
			n += p.Requested
		}
	}
	return n
}

// GetProvisioned is the provisioned concurrency of a version or alias.
func (c *Catalog) GetProvisioned(name, qualifier string) (ProvisionedConfig, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.fns[name]
	if !ok {
		return ProvisionedConfig{}, c.readErrorLocked(name)
	}
	if _, err := e.resolve(qualifier, false); err != nil {
		return ProvisionedConfig{}, err
	}
	if e.rec.Provisioned[qualifier] == nil {
		return ProvisionedConfig{}, errorf(ProvisionedNotFound, "No Provisioned Concurrency Config found for this function")
	}
	return c.provisionedOf(e, qualifier), nil
}

// ListProvisioned lists the function's provisioned-concurrency
// configurations by qualifier.
func (c *Catalog) ListProvisioned(name string) ([]ProvisionedConfig, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.fns[name]
	if !ok {
		if _, static := c.static[name]; static {
			return nil, nil
		}
		return nil, notFound(name, "")
	}
	qs := slices.Sorted(maps.Keys(e.rec.Provisioned))
	out := make([]ProvisionedConfig, 0, len(qs))
	for _, q := range qs {
		out = append(out, c.provisionedOf(e, q))
	}
	return out, nil
}

// DeleteProvisioned removes the provisioned concurrency of a version or
// alias.
func (c *Catalog) DeleteProvisioned(name, qualifier string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return err
	}
	if _, err := old.resolve(qualifier, false); err != nil {
		return err
	}
	if rec.Provisioned[qualifier] == nil {
		return errorf(ProvisionedNotFound, "No Provisioned Concurrency Config found for this function")
	}
	next := rec.clone()
	delete(next.Provisioned, qualifier)
	return c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil)
}

// provisionedOf is e's configuration for qualifier (which exists).
func (c *Catalog) provisionedOf(e *entry, qualifier string) ProvisionedConfig {
	p := e.rec.Provisioned[qualifier]
	v, _ := e.resolve(qualifier, false)
	cfg := e.loadedOf(v).cfg
	// A version that does not load has no Config: name it still.
	cfg.Name, cfg.Version = e.rec.Name, v
	if rev := e.rec.version(v); rev != nil {
		cfg.RevisionID = rev.RevisionID
	}
	cfg.ProvisionedConcurrency = p.Requested
	cfg.ReservedConcurrency = e.rec.Reserved
	return ProvisionedConfig{Qualifier: qualifier, Requested: p.Requested, LastModified: p.LastModified, Config: cfg}
}

// Provisioned is every version to keep initialised ahead of demand, with
// how many sandboxes (ProvisionedConcurrency): the read-only functions that
// ask for it, and the API's provisioned-concurrency configurations (two
// aliases of one version add up).
func (c *Catalog) Provisioned() []function.Config {
	c.mu.RLock()
	defer c.mu.RUnlock()
	byKey := map[string]function.Config{}
	for name, s := range c.static {
		if c.staticErrLocked(name, s) == nil && s.cfg.ProvisionedConcurrency > 0 {
			byKey[s.cfg.Key()] = s.cfg
		}
	}
	for _, e := range c.fns {
		for q := range e.rec.Provisioned {
			v, _ := e.resolve(q, false)
			if e.loadedOf(v).err != nil {
				continue // it cannot run: nothing to keep warm
			}
			p := c.provisionedOf(e, q)
			if prev, ok := byKey[p.Config.Key()]; ok {
				p.Config.ProvisionedConcurrency += prev.ProvisionedConcurrency
			}
			byKey[p.Config.Key()] = p.Config
		}
	}
	out := slices.Collect(maps.Values(byKey))
	slices.SortFunc(out, func(a, b function.Config) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

// Tag adds or replaces tags of the function name.
func (c *Catalog) Tag(name string, tags map[string]string) error {
	return c.edit(name, func(next *record) error {
		if next.Tags == nil {
			next.Tags = map[string]string{}
		}
		maps.Copy(next.Tags, tags)
		return checkTags(next.Tags)
	})
}

// Untag removes tags of the function name.
func (c *Catalog) Untag(name string, keys []string) error {
	return c.edit(name, func(next *record) error {
		for _, k := range keys {
			delete(next.Tags, k)
		}
		return nil
	})
}

// Tags is the tags of the function name (none for a read-only one).
func (c *Catalog) Tags(name string) (map[string]string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.fns[name]; ok {
		return maps.Clone(e.rec.Tags), nil
	}
	if _, ok := c.static[name]; ok {
		return nil, nil
	}
	return nil, notFound(name, "")
}
