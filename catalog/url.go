package catalog

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
)

// Function URLs: CreateFunctionUrlConfig, GetFunctionUrlConfig,
// UpdateFunctionUrlConfig, DeleteFunctionUrlConfig and
// ListFunctionUrlConfigs. An API function keeps its URLs in its record, by
// qualifier, apart from its revisions: a URL's change is no change of the
// function's code or configuration. A read-only function has the one its
// definition gives (function.Config.URL), on its alias if it has one.

// URL is a function URL's configuration, and which function and
// qualifier it invokes.
type URL struct {
	Function string
	// Qualifier is function.LatestVersion or an alias.
	Qualifier string
	// ID names the URL (function.URLID, or function.URLHashID when
	// another URL has that id): its host label and path prefix.
	ID               string
	Config           function.URLConfig
	Created, Updated time.Time
	// ReadOnly says where a read-only function's URL is defined; "" for
	// the API's.
	ReadOnly string
}

// urlRecord is a URL as the database keeps it.
type urlRecord struct {
	Config           function.URLConfig
	Created, Updated time.Time
}

// URLUpdate is UpdateFunctionUrlConfig's: nil fields stay as they are.
type URLUpdate struct {
	AuthType   *string
	InvokeMode *string
	Cors       *function.Cors
}

// CreateURL gives the function name a URL at qualifier ("" or $LATEST, or
// an alias).
func (c *Catalog) CreateURL(name, qualifier string, cfg function.URLConfig) (URL, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return URL{}, err
	}
	q, err := urlQualifier(rec, qualifier)
	if err != nil {
		return URL{}, err
	}
	if err := checkURLConfig(cfg); err != nil {
		return URL{}, err
	}
	if _, ok := rec.URLs[q]; ok {
		return URL{}, errorf(Conflict, "Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function", arnOf(name, q))
	}
	id := function.URLID(name, q)
	for _, u := range c.URLs() {
		if u.ID == id {
			return URL{}, errorf(Conflict, "the URL id %s (function %s, %s) is the id of function %s's URL (%s): lambdad names URLs by their lowercased function name and alias; rename one", id, name, q, u.Function, u.Qualifier)
		}
	}
	t := now()
	next := rec.clone()
	if next.URLs == nil {
		next.URLs = map[string]*urlRecord{}
	}
	next.URLs[q] = &urlRecord{Config: cfg, Created: t, Updated: t}
	if err := c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil); err != nil {
		return URL{}, err
	}
	return c.URL(name, q)
}

// UpdateURL changes the URL of the function name at qualifier.
func (c *Catalog) UpdateURL(name, qualifier string, u URLUpdate) (URL, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return URL{}, err
	}
	q, err := urlQualifier(rec, qualifier)
	if err != nil {
		return URL{}, err
	}
	cur, ok := rec.URLs[q]
	if !ok {
		return URL{}, urlNotFound()
	}
	cfg := cur.Config
	if u.AuthType != nil {
		cfg.AuthType = *u.AuthType
	}
	if u.InvokeMode != nil {
		cfg.InvokeMode = *u.InvokeMode
	}
	if u.Cors != nil {
		cfg.Cors = u.Cors
	}
	if err := checkURLConfig(cfg); err != nil {
		return URL{}, err
	}
	next := rec.clone()
	next.URLs[q] = &urlRecord{Config: cfg, Created: cur.Created, Updated: now()}
	if err := c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil); err != nil {
		return URL{}, err
	}
	return c.URL(name, q)
}

// DeleteURL deletes the URL of the function name at qualifier.
func (c *Catalog) DeleteURL(name, qualifier string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return err
	}
	q, err := urlQualifier(rec, qualifier)
	if err != nil {
		return err
	}
	if _, ok := rec.URLs[q]; !ok {
		return urlNotFound()
	}
	next := rec.clone()
	delete(next.URLs, q)
	return c.commit(&entry{rec: next, latest: old.latest, versions: old.versions}, nil)
}

// URL is the URL of the function name at qualifier ("" or $LATEST, or an
// alias), API or read-only.
func (c *Catalog) URL(name, qualifier string) (URL, error) {
	all, err := c.FunctionURLs(name)
	if err != nil {
		return URL{}, err
	}
	q := cmp.Or(qualifier, function.LatestVersion)
	for _, u := range all {
		if u.Qualifier == q {
			return u, nil
		}
	}
	if e, _ := c.fnEntry(name); e != nil {
		if _, err := urlQualifier(e.rec, qualifier); err != nil {
			return URL{}, err
		}
	}
	return URL{}, urlNotFound()
}

// FunctionURLs is the URLs of the function name, $LATEST's first, then by
// alias.
func (c *Catalog) FunctionURLs(name string) ([]URL, error) {
	c.mu.RLock()
	_, api := c.fns[name]
	_, static := c.static[name]
	c.mu.RUnlock()
	if !api && !static {
		return nil, notFound(name, "")
	}
	var out []URL
	for _, u := range c.URLs() {
		if u.Function == name {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b URL) int { return compareVersions(a.Qualifier, b.Qualifier) })
	return out, nil
}

// URLs is every URL served, each with its ID: the readable id
// (function.URLID) unless another URL has it too, when the URL of the
// function and qualifier first in byte order keeps it and the others get
// their hash ids (function.URLHashID). Only read-only functions can
// collide so: CreateURL refuses an id in use.
func (c *Catalog) URLs() []URL {
	c.mu.RLock()
	var out []URL
	for name, e := range c.fns {
		for q, r := range e.rec.URLs {
			out = append(out, URL{Function: name, Qualifier: q, Config: r.Config, Created: r.Created, Updated: r.Updated})
		}
	}
	for name, s := range c.static {
		if s.cfg.URL == nil || c.staticErrLocked(name, s) != nil {
			continue
		}
		t := lastModified(s.cfg)
		out = append(out, URL{Function: name, Qualifier: cmp.Or(s.alias, function.LatestVersion), Config: *s.cfg.URL,
			Created: t, Updated: t, ReadOnly: cmp.Or(s.cfg.Source, s.cfg.CodeDir, "a functions directory")})
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b URL) int {
		return cmp.Or(strings.Compare(a.Function, b.Function), strings.Compare(a.Qualifier, b.Qualifier))
	})
	taken := map[string]bool{}
	for i := range out {
		u := &out[i]
		u.ID = function.URLID(u.Function, u.Qualifier)
		if taken[u.ID] {
			u.ID = function.URLHashID(u.Function, u.Qualifier)
		}
		taken[u.ID] = true
	}
	return out
}

// LookupURL is the URL whose ID is id.
func (c *Catalog) LookupURL(id string) (URL, bool) {
	for _, u := range c.URLs() {
		if u.ID == id {
			return u, true
		}
	}
	return URL{}, false
}

// fnEntry is the API function name's entry, or nil.
func (c *Catalog) fnEntry(name string) (*entry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.fns[name]
	return e, ok
}

// urlQualifier is the qualifier of a URL request: "" and $LATEST are
// $LATEST, anything else an alias of rec (a version number is refused, as
// Lambda's pattern for it does).
func urlQualifier(rec *record, qualifier string) (string, error) {
	switch {
	case qualifier == "" || qualifier == function.LatestVersion:
		return function.LatestVersion, nil
	case isVersionNumber(qualifier) || checkAliasName(qualifier) != nil:
		return "", errorf(InvalidParameter, "1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)", qualifier)
	}
	if _, ok := rec.Aliases[qualifier]; !ok {
		return "", aliasNotFound(rec.Name, qualifier)
	}
	return qualifier, nil
}

// checkURLConfig refuses what Lambda refuses.
func checkURLConfig(cfg function.URLConfig) error {
	if ps := cfg.Problems(""); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.Error()
		}
		return errorf(InvalidParameter, "%s", strings.Join(msgs, "; "))
	}
	return nil
}

func urlNotFound() error {
	return &Error{Code: NotFound, Message: "The resource you requested does not exist."}
}

// arnOf is a function's ARN for messages (the region and account the
// API's answers carry are invokeapi's).
func arnOf(name, qualifier string) string {
	s := "function:" + name
	if qualifier != "" && qualifier != function.LatestVersion {
		s += ":" + qualifier
	}
	return s
}
