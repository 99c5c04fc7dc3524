package catalog

import (
	"maps"
	"slices"
	"strings"

	"github.com/lambdad/lambdad/function"
)

// Alias is one of a function's aliases (Lambda's AliasConfiguration).
type Alias struct {
	Name            string
	FunctionVersion string
	Description     string
	// Weights is RoutingConfig.AdditionalVersionWeights: at most one other
	// version, and the share of invokes (0–1) it takes from FunctionVersion.
	Weights    map[string]float64
	RevisionID string
}

// AliasUpdate is UpdateAlias's: nil fields stay as they are; a non-nil
// empty Weights removes the routing.
type AliasUpdate struct {
	FunctionVersion *string
	Description     *string
	Weights         map[string]float64
	RevisionID      string // "": any
}

// CreateAlias creates an alias of the function name.
func (c *Catalog) CreateAlias(name string, a Alias) (Alias, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return Alias{}, err
	}
	if err := checkAliasName(a.Name); err != nil {
		return Alias{}, err
	}
	if _, ok := rec.Aliases[a.Name]; ok {
		return Alias{}, errorf(Conflict, "Alias already exists: %s:%s", name, a.Name)
	}
	if err := checkAliasTarget(rec, a.FunctionVersion, a.Weights); err != nil {
		return Alias{}, err
	}
	stored := &alias{Name: a.Name, FunctionVersion: a.FunctionVersion, Description: a.Description,
		Weights: maps.Clone(a.Weights), RevisionID: newRevisionID()}
	return c.commitAlias(old, rec, stored)
}

// UpdateAlias changes an alias of the function name.
func (c *Catalog) UpdateAlias(name, aliasName string, u AliasUpdate) (Alias, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return Alias{}, err
	}
	cur, ok := rec.Aliases[aliasName]
	if !ok {
		return Alias{}, aliasNotFound(name, aliasName)
	}
	if u.RevisionID != "" && u.RevisionID != cur.RevisionID {
		return Alias{}, errorf(PreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	next := *cur
	if u.FunctionVersion != nil {
		next.FunctionVersion = *u.FunctionVersion
	}
	if u.Description != nil {
		next.Description = *u.Description
	}
	if u.Weights != nil {
		next.Weights = maps.Clone(u.Weights)
		if len(next.Weights) == 0 {
			next.Weights = nil
		}
	}
	if err := checkAliasTarget(rec, next.FunctionVersion, next.Weights); err != nil {
		return Alias{}, err
	}
	if rec.Provisioned[aliasName] != nil && next.FunctionVersion == function.LatestVersion {
		return Alias{}, errorf(InvalidParameter, "Alias %s has a Provisioned Concurrency Config, and those cannot be applied to unpublished function versions: delete it before pointing the alias to $LATEST.", aliasName)
	}
	next.RevisionID = newRevisionID()
	return c.commitAlias(old, rec, &next)
}

// commitAlias commits a copy of rec with a set as its alias.
func (c *Catalog) commitAlias(old *entry, rec *record, a *alias) (Alias, error) {
	next := rec.clone()
	if next.Aliases == nil {
		next.Aliases = map[string]*alias{}
	}
	next.Aliases[a.Name] = a
	if err := c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil); err != nil {
		return Alias{}, err
	}
	return a.public(), nil
}

// DeleteAlias deletes an alias of the function name (and its provisioned
// concurrency and URL).
func (c *Catalog) DeleteAlias(name, aliasName string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return err
	}
	if _, ok := rec.Aliases[aliasName]; !ok {
		return nil // as Lambda: deleting what is not there succeeds
	}
	next := rec.clone()
	delete(next.Aliases, aliasName)
	delete(next.Provisioned, aliasName)
	delete(next.URLs, aliasName)
	return c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil)
}

// GetAlias is an alias of the function name.
func (c *Catalog) GetAlias(name, aliasName string) (Alias, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.fns[name]
	if !ok {
		if s, static := c.static[name]; static && s.alias != "" && s.alias == aliasName {
			return s.publicAlias(), nil
		}
		return Alias{}, c.readErrorLocked(name)
	}
	a, ok := e.rec.Aliases[aliasName]
	if !ok {
		return Alias{}, aliasNotFound(name, aliasName)
	}
	return a.public(), nil
}

// Aliases lists the aliases of the function name by name; with
// functionVersion, only those that route to it.
func (c *Catalog) Aliases(name, functionVersion string) ([]Alias, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.fns[name]
	if !ok {
		s, static := c.static[name]
		switch {
		case !static:
			return nil, notFound(name, "")
		case s.alias != "" && (functionVersion == "" || functionVersion == function.LatestVersion):
			return []Alias{s.publicAlias()}, nil
		}
		return nil, nil
	}
	var out []Alias
	for _, a := range e.rec.Aliases {
		if _, routed := a.Weights[functionVersion]; functionVersion == "" || a.FunctionVersion == functionVersion || routed {
			out = append(out, a.public())
		}
	}
	slices.SortFunc(out, func(a, b Alias) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Versions lists the versions of the function name: $LATEST, then the
// published ones by number.
func (c *Catalog) Versions(name string) ([]Version, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.fns[name]
	if !ok {
		if s, static := c.static[name]; static {
			return []Version{s.describe()}, nil
		}
		return nil, notFound(name, "")
	}
	out := []Version{c.describe(e, function.LatestVersion)}
	for _, rev := range e.rec.Versions {
		out = append(out, c.describe(e, rev.Version))
	}
	return out, nil
}

// readErrorLocked is the error of a read of something only API functions
// have (aliases, provisioned concurrency) on name.
func (c *Catalog) readErrorLocked(name string) error {
	if _, ok := c.static[name]; ok {
		return errorf(NotFound, "function %s is read-only (defined by a file) and has no aliases or versions", name)
	}
	return notFound(name, "")
}

// publicAlias is a read-only function's alias (a template's
// AutoPublishAlias): its one version, $LATEST.
func (s *staticEntry) publicAlias() Alias {
	return Alias{Name: s.alias, FunctionVersion: function.LatestVersion, RevisionID: s.cfg.RevisionID}
}

func (a *alias) public() Alias {
	return Alias{Name: a.Name, FunctionVersion: a.FunctionVersion, Description: a.Description,
		Weights: maps.Clone(a.Weights), RevisionID: a.RevisionID}
}

func aliasNotFound(name, aliasName string) error {
	return &Error{Code: NotFound, Message: "Alias not found: " + name + ":" + aliasName}
}

// checkAliasName applies Lambda's pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+),
// 1 to 128 characters.
func checkAliasName(n string) error {
	ok := n != "" && len(n) <= 128 && !isVersionNumber(n) && strings.Trim(n, "0123456789") != ""
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			ok = false
		}
	}
	if !ok {
		return errorf(InvalidParameter, "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+) and be 1 to 128 characters", n)
	}
	return nil
}

// checkAliasTarget checks an alias's versions: the primary exists ($LATEST
// or published), and a routing configuration names one other published
// version with a weight in [0, 1].
func checkAliasTarget(rec *record, version string, weights map[string]float64) error {
	exists := func(v string) bool { return v == function.LatestVersion || rec.version(v) != nil }
	if version == "" {
		return errorf(InvalidParameter, "FunctionVersion is required")
	}
	if !exists(version) {
		return notFound(rec.Name, version)
	}
	if len(weights) > 1 {
		return errorf(InvalidParameter, "RoutingConfig.AdditionalVersionWeights: an alias may route to one additional version, %d given", len(weights))
	}
	for v, w := range weights {
		switch {
		case v == function.LatestVersion || version == function.LatestVersion:
			return errorf(InvalidParameter, "$LATEST is not supported for an alias pointing to more than 1 version")
		case v == version:
			return errorf(InvalidParameter, "The additional version %s must differ from the alias's FunctionVersion", v)
		case !exists(v):
			return notFound(rec.Name, v)
		case !(w >= 0 && w <= 1):
			return errorf(InvalidParameter, "1 validation error detected: Value '%v' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]", w)
		}
	}
	return nil
}
