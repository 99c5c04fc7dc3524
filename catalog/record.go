package catalog

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// record is one function created through the API, as the database keeps
// it: everything the control plane knows of it, written whole on every
// change.
type record struct {
	Name     string
	Latest   revision
	Versions []revision // published, oldest first
	// LastVersion is the number of the last version published, deleted or
	// not: numbers are never reused.
	LastVersion int
	Aliases     map[string]*alias `json:",omitempty"`
	Tags        map[string]string `json:",omitempty"`
	// Reserved is PutFunctionConcurrency's; nil: none.
	Reserved *int `json:",omitempty"`
	// Provisioned is PutProvisionedConcurrencyConfig's, by qualifier (a
	// version or an alias).
	Provisioned map[string]*provisioned `json:",omitempty"`
	// URLs are the function's URLs, by qualifier ($LATEST or an alias).
	URLs map[string]*urlRecord `json:",omitempty"`
	// EventInvoke are the function's asynchronous invocation
	// configurations, by qualifier ($LATEST, a version or an alias).
	EventInvoke map[string]*eventInvokeRecord `json:",omitempty"`
}

// revision is one definition of a function: $LATEST's current one, or a
// published version's.
type revision struct {
	Version    string // function.LatestVersion or a number
	RevisionID string
	// Definition is the function in function.json's format (CreateFunction's
	// fields but Code, FunctionName, Description, Tags and Publish), as
	// function.Loader.LoadDefinition reads it.
	Definition   json.RawMessage
	Description  string `json:",omitempty"`
	Code         code
	LastModified time.Time
}

// code is a revision's code: a zip in the code store, or an image.
type code struct {
	ZipSHA256 string `json:",omitempty"` // hex
	ZipSize   int64  `json:",omitempty"`
	ImageURI  string `json:",omitempty"`
}

// alias is an alias of a function: a name for a version, and maybe a second
// version that gets a share of its invokes.
type alias struct {
	Name            string
	FunctionVersion string
	Description     string `json:",omitempty"`
	// Weights is RoutingConfig.AdditionalVersionWeights: a version and the
	// share of invokes (0–1) it gets instead of FunctionVersion.
	Weights    map[string]float64 `json:",omitempty"`
	RevisionID string
}

// provisioned is one provisioned-concurrency configuration.
type provisioned struct {
	Requested    int
	LastModified time.Time
}

var (
	functionsBucket = []byte("functions")
	metaBucket      = []byte("meta")
	schemaKey       = []byte("schema")
)

// schema is the database's format; Open refuses a database of another.
const schema = "1"

// readRecords reads every record, checking the schema.
func readRecords(db *bolt.DB) (map[string]*record, error) {
	recs := map[string]*record{}
	err := db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		switch v := meta.Get(schemaKey); {
		case v == nil:
			if err := meta.Put(schemaKey, []byte(schema)); err != nil {
				return err
			}
		case string(v) != schema:
			return fmt.Errorf("the database's format is %q, this lambdad reads %q", v, schema)
		}
		b, err := tx.CreateBucketIfNotExists(functionsBucket)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			r := new(record)
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("function %s: %w", k, err)
			}
			recs[string(k)] = r
			return nil
		})
	})
	return recs, err
}

// put writes r in one transaction (synced when it returns).
func put(db *bolt.DB, r *record) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(functionsBucket).Put([]byte(r.Name), data)
	})
}

// remove deletes the record of name.
func remove(db *bolt.DB, name string) error {
	return db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(functionsBucket).Delete([]byte(name))
	})
}

// clone is a deep copy of r, to change and commit while r stays as it was
// until the commit succeeds.
func (r *record) clone() *record {
	data, err := json.Marshal(r)
	if err != nil {
		panic(err) // plain data
	}
	c := new(record)
	if err := json.Unmarshal(data, c); err != nil {
		panic(err)
	}
	return c
}

// version is the published version v of r, or nil.
func (r *record) version(v string) *revision {
	for i := range r.Versions {
		if r.Versions[i].Version == v {
			return &r.Versions[i]
		}
	}
	return nil
}

// newRevisionID is a random UUID, as Lambda's revision ids are.
func newRevisionID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
