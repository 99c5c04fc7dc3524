package catalog

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/lambdad/lambdad/function"
)

// Asynchronous invocation configurations: PutFunctionEventInvokeConfig,
// UpdateFunctionEventInvokeConfig, GetFunctionEventInvokeConfig,
// DeleteFunctionEventInvokeConfig and ListFunctionEventInvokeConfigs. An
// API function keeps them in its record by qualifier ($LATEST, a version
// or an alias), apart from its revisions, as its URLs; Lookup gives the
// one of the qualifier invoked (function.Config.EventInvoke). A read-only
// function has the one its definition gives, for every qualifier.

// EventInvokeConfig is one asynchronous invocation configuration.
type EventInvokeConfig struct {
	Function     string
	Qualifier    string // $LATEST, a version or an alias
	Config       function.EventInvokeConfig
	LastModified time.Time
	// ReadOnly says where a read-only function's configuration is
	// defined; "" for the API's.
	ReadOnly string
}

// eventInvokeRecord is a configuration as the database keeps it.
type eventInvokeRecord struct {
	Config       function.EventInvokeConfig
	LastModified time.Time
}

// PutEventInvokeConfig sets (replaces) the configuration of the function
// name at qualifier.
func (c *Catalog) PutEventInvokeConfig(name, qualifier string, cfg function.EventInvokeConfig) (EventInvokeConfig, error) {
	return c.editEventInvoke(name, qualifier, func(*function.EventInvokeConfig) (function.EventInvokeConfig, error) { return cfg, nil })
}

// UpdateEventInvokeConfig changes the fields u sets of the configuration
// of the function name at qualifier (one there must be).
func (c *Catalog) UpdateEventInvokeConfig(name, qualifier string, u function.EventInvokeConfig) (EventInvokeConfig, error) {
	return c.editEventInvoke(name, qualifier, func(cur *function.EventInvokeConfig) (function.EventInvokeConfig, error) {
		if cur == nil {
			return function.EventInvokeConfig{}, eventInvokeNotFound(name, qualifier)
		}
		next := *cur
		if u.MaximumRetryAttempts != nil {
			next.MaximumRetryAttempts = u.MaximumRetryAttempts
		}
		if u.MaximumEventAgeInSeconds != nil {
			next.MaximumEventAgeInSeconds = u.MaximumEventAgeInSeconds
		}
		if u.DestinationConfig != nil {
			next.DestinationConfig = u.DestinationConfig
		}
		return next, nil
	})
}

// editEventInvoke commits the configuration change makes of the current
// one (nil: none) at qualifier.
func (c *Catalog) editEventInvoke(name, qualifier string, change func(cur *function.EventInvokeConfig) (function.EventInvokeConfig, error)) (EventInvokeConfig, error) {
	q := cmp.Or(qualifier, function.LatestVersion)
	err := c.edit(name, func(next *record) error {
		if err := eventInvokeQualifier(next, q); err != nil {
			return err
		}
		var cur *function.EventInvokeConfig
		if r, ok := next.EventInvoke[q]; ok {
			cur = &r.Config
		}
		cfg, err := change(cur)
		if err != nil {
			return err
		}
		if ps := cfg.Problems(""); len(ps) > 0 {
			msgs := make([]string, len(ps))
			for i, p := range ps {
				msgs[i] = p.Error()
			}
			return errorf(InvalidParameter, "%s", strings.Join(msgs, "; "))
		}
		if next.EventInvoke == nil {
			next.EventInvoke = map[string]*eventInvokeRecord{}
		}
		next.EventInvoke[q] = &eventInvokeRecord{Config: cfg, LastModified: now()}
		return nil
	})
	if err != nil {
		return EventInvokeConfig{}, err
	}
	return c.EventInvokeConfig(name, q)
}

// DeleteEventInvokeConfig deletes the configuration of the function name
// at qualifier.
func (c *Catalog) DeleteEventInvokeConfig(name, qualifier string) error {
	q := cmp.Or(qualifier, function.LatestVersion)
	return c.edit(name, func(next *record) error {
		if err := eventInvokeQualifier(next, q); err != nil {
			return err
		}
		if _, ok := next.EventInvoke[q]; !ok {
			return eventInvokeNotFound(name, q)
		}
		delete(next.EventInvoke, q)
		return nil
	})
}

// EventInvokeConfig is the configuration of the function name at
// qualifier ("" is $LATEST).
func (c *Catalog) EventInvokeConfig(name, qualifier string) (EventInvokeConfig, error) {
	q := cmp.Or(qualifier, function.LatestVersion)
	all, err := c.EventInvokeConfigs(name)
	if err != nil {
		return EventInvokeConfig{}, err
	}
	for _, e := range all {
		if e.Qualifier == q || e.ReadOnly != "" {
			e.Qualifier = q
			return e, nil
		}
	}
	return EventInvokeConfig{}, eventInvokeNotFound(name, q)
}

// EventInvokeConfigs is the function's configurations, by qualifier.
func (c *Catalog) EventInvokeConfigs(name string) ([]EventInvokeConfig, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.fns[name]; ok {
		var out []EventInvokeConfig
		for q, r := range e.rec.EventInvoke {
			out = append(out, EventInvokeConfig{Function: name, Qualifier: q, Config: r.Config, LastModified: r.LastModified})
		}
		slices.SortFunc(out, func(a, b EventInvokeConfig) int { return compareVersions(a.Qualifier, b.Qualifier) })
		return out, nil
	}
	s, ok := c.static[name]
	if !ok {
		return nil, notFound(name, "")
	}
	if s.cfg.EventInvoke == nil {
		return nil, nil
	}
	return []EventInvokeConfig{{Function: name, Qualifier: function.LatestVersion, Config: *s.cfg.EventInvoke,
		LastModified: lastModified(s.cfg), ReadOnly: cmp.Or(s.cfg.Source, s.cfg.CodeDir, "a functions directory")}}, nil
}

// eventInvokeQualifier refuses a qualifier that names nothing of rec.
func eventInvokeQualifier(rec *record, q string) error {
	switch {
	case q == function.LatestVersion:
		return nil
	case isVersionNumber(q):
		if rec.version(q) == nil {
			return notFound(rec.Name, q)
		}
		return nil
	}
	if _, ok := rec.Aliases[q]; !ok {
		return aliasNotFound(rec.Name, q)
	}
	return nil
}

func eventInvokeNotFound(name, qualifier string) error {
	return errorf(NotFound, "The function function:%s:%s doesn't have an EventInvokeConfig", name, cmp.Or(qualifier, function.LatestVersion))
}
