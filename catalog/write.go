package catalog

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
)

// CreateRequest is CreateFunction's: Definition holds the function's
// configuration in function.json's format; the code is Zip's bytes or the
// image ImageURI.
type CreateRequest struct {
	Name        string
	Definition  json.RawMessage
	Description string
	Zip         []byte
	ImageURI    string
	Tags        map[string]string
	Publish     bool
}

// Create creates a function ($LATEST, and version 1 when Publish) and
// returns what it created: $LATEST, or the version published.
func (c *Catalog) Create(req CreateRequest) (Version, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.writable(); err != nil {
		return Version{}, err
	}
	if c.exists(req.Name) {
		return Version{}, errorf(Conflict, "Function already exist: %s", req.Name)
	}
	if err := checkTags(req.Tags); err != nil {
		return Version{}, err
	}
	switch {
	case len(req.Zip) == 0 && req.ImageURI == "":
		return Version{}, errorf(InvalidParameter, "Please provide a source for function code (ZipFile or ImageUri: lambdad reads no S3).")
	case len(req.Zip) > 0 && req.ImageURI != "":
		return Version{}, errorf(InvalidParameter, "Please provide one source for function code: ZipFile or ImageUri, not both.")
	}
	rev, l, err := c.newRevision(req.Name, req.Definition, req.Description, req.Zip, req.ImageURI)
	if err != nil {
		return Version{}, err
	}
	rec := &record{Name: req.Name, Latest: rev, Tags: maps.Clone(req.Tags)}
	e := &entry{rec: rec, latest: l, versions: map[string]loaded{}}
	v := function.LatestVersion
	if req.Publish {
		v = publish(e, rec.Latest.Description)
	}
	if err := c.commit(e, nil); err != nil {
		return Version{}, err
	}
	return c.describeLocked(e, v), nil
}

// CodeUpdate is UpdateFunctionCode's.
type CodeUpdate struct {
	Zip        []byte
	ImageURI   string
	Publish    bool
	DryRun     bool
	RevisionID string // "": any
}

// UpdateCode replaces $LATEST's code and returns $LATEST (or the version
// published).
func (c *Catalog) UpdateCode(name string, u CodeUpdate) (Version, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, u.RevisionID)
	if err != nil {
		return Version{}, err
	}
	image := rec.Latest.Code.ImageURI != ""
	switch {
	case image && u.ImageURI == "":
		return Version{}, errorf(InvalidParameter, "Please provide ImageUri when updating a function with packageType Image.")
	case !image && u.ImageURI != "":
		return Version{}, errorf(InvalidParameter, "Please don't provide ImageUri when updating a function with packageType Zip.")
	case !image && len(u.Zip) == 0:
		return Version{}, errorf(InvalidParameter, "Please provide a source for function code (ZipFile: lambdad reads no S3).")
	}
	rev, l, err := c.newRevision(name, rec.Latest.Definition, rec.Latest.Description, u.Zip, u.ImageURI)
	if err != nil {
		return Version{}, err
	}
	return c.replaceLatest(old, rec, rev, l, u.Publish, u.DryRun)
}

// UpdateConfig changes $LATEST's configuration: fields holds the fields
// given (function.json's names; each replaces the old value whole), and
// description, if not nil, the description.
func (c *Catalog) UpdateConfig(name string, fields map[string]json.RawMessage, description *string, revisionID string) (Version, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, revisionID)
	if err != nil {
		return Version{}, err
	}
	def := map[string]json.RawMessage{}
	if err := json.Unmarshal(rec.Latest.Definition, &def); err != nil {
		return Version{}, errorf(Service, "function %s: stored definition: %v", name, err)
	}
	for k, v := range fields {
		if string(v) == "null" {
			delete(def, k)
		} else {
			def[k] = v
		}
	}
	data, err := json.Marshal(def)
	if err != nil {
		return Version{}, errorf(InvalidParameter, "%v", err)
	}
	desc := rec.Latest.Description
	if description != nil {
		desc = *description
	}
	rev := rec.Latest
	rev.Definition, rev.Description = data, desc
	rev.RevisionID, rev.LastModified = newRevisionID(), now()
	l := c.loadRevision(name, &rev)
	if l.err != nil {
		return Version{}, errorf(InvalidParameter, "%v", l.err)
	}
	// The code, and whether it is a zip or an image, are UpdateCode's.
	if l.cfg.IsImage() != (rev.Code.ImageURI != "") || l.cfg.ImageURI != rev.Code.ImageURI {
		return Version{}, errorf(InvalidParameter, "UpdateFunctionConfiguration does not change a function's code or its PackageType: use UpdateFunctionCode, or create a new function.")
	}
	return c.replaceLatest(old, rec, rev, l, false, false)
}

// replaceLatest commits rev as $LATEST of a copy of rec.
func (c *Catalog) replaceLatest(old *entry, rec *record, rev revision, l loaded, publishToo, dryRun bool) (Version, error) {
	next := rec.clone()
	next.Latest = rev
	e := &entry{rec: next, latest: l, versions: old.versions}
	if dryRun {
		return c.describeLocked(e, function.LatestVersion), nil
	}
	v := function.LatestVersion
	if publishToo {
		if v = unchanged(next); v == "" {
			e.versions = maps.Clone(old.versions)
			v = publish(e, rev.Description)
		}
	}
	if err := c.commit(e, []string{old.latest.cfg.Key()}); err != nil {
		return Version{}, err
	}
	return c.describeLocked(e, v), nil
}

// newRevision stores the code and loads a new $LATEST revision of name:
// the code is zip's bytes or the image imageURI.
func (c *Catalog) newRevision(name string, def json.RawMessage, description string, zip []byte, imageURI string) (revision, loaded, error) {
	rev := revision{Version: function.LatestVersion, RevisionID: newRevisionID(), Description: description, LastModified: now()}
	fields := map[string]json.RawMessage{}
	if len(def) > 0 {
		if err := json.Unmarshal(def, &fields); err != nil {
			return revision{}, loaded{}, errorf(InvalidParameter, "%v", err)
		}
	}
	switch {
	case imageURI != "":
		rev.Code.ImageURI = imageURI
		fields["ImageUri"], _ = json.Marshal(imageURI)
		fields["PackageType"], _ = json.Marshal(function.PackageImage)
	case len(zip) > MaxZipBytes:
		return revision{}, loaded{}, errorf(TooLarge, "Zipped size must be smaller than %d bytes", MaxZipBytes)
	case len(zip) > 0:
		sum, err := c.code.put(zip)
		if err != nil {
			return revision{}, loaded{}, errorf(Service, "%v", err)
		}
		rev.Code.ZipSHA256, rev.Code.ZipSize = sum, int64(len(zip))
	}
	rev.Definition, _ = json.Marshal(fields)
	l := c.loadRevision(name, &rev)
	if l.err != nil {
		return revision{}, loaded{}, errorf(InvalidParameter, "%v", l.err)
	}
	return rev, l, nil
}

// Publish publishes $LATEST as a new version, unless its code and
// configuration are those of the last version published (that version is
// returned then). codeSHA256 and revisionID, if given, must be $LATEST's.
func (c *Catalog) Publish(name, codeSHA256, description, revisionID string) (Version, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, revisionID)
	if err != nil {
		return Version{}, err
	}
	if cur := lambdaSHA256(rec.Latest.Code.ZipSHA256); codeSHA256 != "" && rec.Latest.Code.ZipSHA256 != "" && codeSHA256 != cur {
		return Version{}, errorf(InvalidParameter, "CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again", codeSHA256, cur)
	}
	if old.latest.err != nil {
		return Version{}, errorf(InvalidParameter, "$LATEST of %s cannot run, so it is not published: %v", name, old.latest.err)
	}
	if last := unchanged(rec); last != "" {
		return c.describeLocked(old, last), nil
	}
	e := &entry{rec: rec.clone(), latest: old.latest, versions: maps.Clone(old.versions)}
	v := publish(e, description)
	if err := c.commit(e, nil); err != nil {
		return Version{}, err
	}
	return c.describeLocked(e, v), nil
}

// unchanged is the last version published if $LATEST's code and
// configuration are still its, else "": Lambda publishes no version then,
// and answers that one.
func unchanged(r *record) string {
	if n := len(r.Versions); n > 0 {
		last := r.Versions[n-1]
		if last.Code == r.Latest.Code && string(last.Definition) == string(r.Latest.Definition) {
			return last.Version
		}
	}
	return ""
}

// publish adds $LATEST of e as its next version (uncommitted) and returns
// the version's number. description "" keeps $LATEST's.
func publish(e *entry, description string) string {
	r := e.rec
	r.LastVersion++
	rev := r.Latest
	rev.Version = strconv.Itoa(r.LastVersion)
	rev.RevisionID, rev.LastModified = newRevisionID(), now()
	if description != "" {
		rev.Description = description
	}
	r.Versions = append(r.Versions, rev)
	l := e.latest
	l.cfg.Version, l.cfg.RevisionID = rev.Version, rev.RevisionID
	e.versions[rev.Version] = l
	return rev.Version
}

// Delete deletes the function name (qualifier "") or one of its versions.
func (c *Catalog) Delete(name, qualifier string) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	old, rec, err := c.writableEntry(name, "")
	if err != nil {
		return err
	}
	switch {
	case qualifier == "":
		if err := remove(c.db, name); err != nil {
			return errorf(Service, "delete %s: %v", name, err)
		}
		c.mu.Lock()
		delete(c.fns, name)
		c.mu.Unlock()
		retired := []string{old.latest.cfg.Key()}
		for _, l := range old.versions {
			retired = append(retired, l.cfg.Key())
		}
		c.changed(retired)
		return nil
	case qualifier == function.LatestVersion:
		return errorf(InvalidParameter, "$LATEST version cannot be deleted without deleting the function.")
	case !isVersionNumber(qualifier):
		if _, ok := rec.Aliases[qualifier]; ok {
			return errorf(InvalidParameter, "Deletion of aliases is not supported by DeleteFunction: use DeleteAlias")
		}
		return notFound(name, qualifier)
	case rec.version(qualifier) == nil:
		return notFound(name, qualifier)
	}
	var users []string
	for _, a := range rec.Aliases {
		if _, routed := a.Weights[qualifier]; a.FunctionVersion == qualifier || routed {
			users = append(users, a.Name)
		}
	}
	if len(users) > 0 {
		slices.Sort(users)
		return errorf(Conflict, "Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))
	}
	next := rec.clone()
	next.Versions = slices.DeleteFunc(next.Versions, func(r revision) bool { return r.Version == qualifier })
	delete(next.Provisioned, qualifier)
	e := &entry{rec: next, latest: old.latest, versions: maps.Clone(old.versions)}
	delete(e.versions, qualifier)
	return c.commit(e, []string{old.versions[qualifier].cfg.Key()})
}

// commit writes e's record and makes e the function's entry, then tells
// the daemon (retired: keys no longer served).
func (c *Catalog) commit(e *entry, retired []string) error {
	if err := put(c.db, e.rec); err != nil {
		return errorf(Service, "save function %s: %v", e.rec.Name, err)
	}
	c.mu.Lock()
	c.fns[e.rec.Name] = e
	c.mu.Unlock()
	c.changed(retired)
	return nil
}

// writable refuses changes when nothing can persist.
func (c *Catalog) writable() error {
	if c.db == nil {
		return errorf(Service, "lambdad keeps no state here: the control plane cannot create or change functions")
	}
	return nil
}

// entry is the API function name (its entry and record), or an error:
// not found, or read-only (defined by a file the API does not change).
// The caller holds writeMu, so the record is the current one until it
// commits.
func (c *Catalog) entry(name string) (*entry, *record, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.fns[name]; ok {
		return e, e.rec, nil
	}
	if s, ok := c.static[name]; ok {
		where := s.cfg.Source
		if where == "" {
			where = "a functions directory"
		}
		return nil, nil, errorf(Conflict, "function %s is read-only: it is defined by %s (lambdad serve --functions or --template); change it there", name, where)
	}
	return nil, nil, notFound(name, "")
}

// writableEntry is entry, for a change that may name the revision it
// expects $LATEST to be.
func (c *Catalog) writableEntry(name, revisionID string) (*entry, *record, error) {
	if err := c.writable(); err != nil {
		return nil, nil, err
	}
	e, rec, err := c.entry(name)
	if err != nil {
		return nil, nil, err
	}
	if revisionID != "" && revisionID != rec.Latest.RevisionID {
		return nil, nil, errorf(PreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return e, rec, nil
}

// describeLocked is describe for a writer (holding writeMu).
func (c *Catalog) describeLocked(e *entry, v string) Version {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.describe(e, v)
}

// exists tells whether a function of that name is served, by the API or
// read-only.
func (c *Catalog) exists(name string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, api := c.fns[name]
	_, static := c.static[name]
	return api || static
}

// now is the time a change is made, to the millisecond as Lambda reports it.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// checkTags refuses tags Lambda refuses.
func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return errorf(InvalidParameter, "A function can have at most 50 tags, %d given", len(tags))
	}
	for k, v := range tags {
		switch {
		case k == "" || len(k) > 128:
			return errorf(InvalidParameter, "Tag key %q: must be 1 to 128 characters", k)
		case len(v) > 256:
			return errorf(InvalidParameter, "Tag value of %q: at most 256 characters", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return errorf(InvalidParameter, "Tag key %q: the aws: prefix is reserved", k)
		}
	}
	return nil
}
