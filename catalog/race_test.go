package catalog_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// TestConcurrentUse reads while others write (run it with -race): every
// read sees a whole function, and every write lands.
func TestConcurrentUse(t *testing.T) {
	c, _ := open(t)
	fns, staticErrs, err := function.LoadAll(functionsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	withVersions(t, c, 1)
	if _, err := c.CreateAlias("fn", catalog.Alias{Name: "live", FunctionVersion: "1"}); err != nil {
		t.Fatal(err)
	}
	const writes = 20
	// Zips are made here: t.Fatal is for the test's goroutine.
	zips := make([][]byte, writes)
	for i := range zips {
		zips[i] = pyZip(t, fmt.Sprint("u", i))
	}
	one := pyZip(t, "1")
	stop := make(chan struct{})
	var readers, writers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, q := range []string{"", "1", "live"} {
					cfg, err := c.Lookup("fn", q)
					if err != nil {
						t.Errorf("Lookup(fn, %q): %v", q, err)
						return
					}
					if cfg.Name != "fn" || cfg.RevisionID == "" || cfg.ZipFile == "" {
						t.Errorf("Lookup(fn, %q): %+v", q, cfg)
						return
					}
				}
				c.List(true)
				c.Provisioned()
				c.Broken()
				if _, err := c.Describe("fn", "live"); err != nil {
					t.Errorf("Describe(fn, live): %v", err)
					return
				}
			}
		})
	}
	errs := make(chan error, 4*writes)
	writers.Go(func() {
		for i := range writes {
			if _, err := c.UpdateCode("fn", catalog.CodeUpdate{Zip: zips[i], Publish: true}); err != nil {
				errs <- err
			}
		}
	})
	writers.Go(func() {
		for i := range writes {
			if err := c.Tag("fn", map[string]string{"i": fmt.Sprint(i)}); err != nil {
				errs <- err
			}
		}
	})
	writers.Go(func() {
		for i := range writes {
			_, err := c.UpdateAlias("fn", "live", catalog.AliasUpdate{Description: ptr(fmt.Sprint(i))})
			if err != nil {
				errs <- err
			}
		}
	})
	writers.Go(func() {
		for i := range writes {
			name := fmt.Sprint("other", i)
			if _, err := c.Create(catalog.CreateRequest{Name: name, Definition: pythonDef, Zip: one}); err != nil {
				errs <- err
			}
			c.SetStatic(fns, staticErrs, nil)
			if err := c.Delete(name, ""); err != nil {
				errs <- err
			}
		}
	})
	writers.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	vs, _ := c.Versions("fn")
	if len(vs) != writes+2 {
		t.Errorf("%d versions, want %d", len(vs), writes+2)
	}
	if _, err := c.Lookup("other0", ""); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Lookup(other0) after its Delete: %v", err)
	}
}
