// Package boltschema checks the format of lambdad's bbolt databases (the
// catalog's, the async queue's): a version string under "schema" in the
// bucket "meta", written by the first lambdad to open the file and
// compared by every later one.
package boltschema

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var (
	metaBucket = []byte("meta")
	schemaKey  = []byte("schema")
)

// Check records schema in a new database, or refuses a database of
// another format.
func Check(tx *bolt.Tx, schema string) error {
	meta, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return err
	}
	switch v := meta.Get(schemaKey); {
	case v == nil:
		return meta.Put(schemaKey, []byte(schema))
	case string(v) != schema:
		return fmt.Errorf("the database's format is %q, this lambdad reads %q", v, schema)
	}
	return nil
}
