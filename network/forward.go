package network

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// IPv4 forwarding is one switch for the whole host, and sandboxes' egress
// needs it on. lambdad turns it on if it is off, and turns it off again
// when the last of its networks closes, several daemons (tests, say)
// sharing the host alike: each network holds a lock file while it lives,
// and the value to restore is kept beside them.
//
// While lambdad has turned it on, the host forwards nothing that is not a
// lambdad bridge's, so it routes nothing it did not route before. That
// guard is one table for all the networks, in nft's words:
//
//	table inet lambdad-forward {
//		set bridges { type ifname }   (each holder's bridge)
//		chain forward { type filter hook forward priority filter
//			iifname != @bridges oifname != @bridges drop }
//	}
//
// It cannot be each network's own rule: one network's would drop the
// traffic of the others.
const (
	forwardDir     = "/run/lambdad-ip-forward" // the lock files, and orig
	forwardFile    = "/proc/sys/net/ipv4/ip_forward"
	guardTableName = "lambdad-forward"
	guardBridges   = "bridges"
)

// forwarding is one network's hold on IPv4 forwarding.
type forwarding struct {
	lock   *os.File
	bridge string
	nft    *nftables.Conn
}

// holdForwarding turns forwarding on if it is off and takes a hold on it
// for the bridge, letting the bridge's traffic past the guard. The hold
// (a locked file) is taken under the directory's lock, so that a release
// never takes it for a dead daemon's.
func holdForwarding(bridge string, nft *nftables.Conn) (*forwarding, error) {
	for {
		if err := os.MkdirAll(forwardDir, 0o755); err != nil {
			return nil, err
		}
		var f *forwarding
		err := withDirLock(func() error {
			lock, err := os.OpenFile(filepath.Join(forwardDir, bridge+".lock"), os.O_RDWR|os.O_CREATE, 0o644)
			if err != nil {
				return err
			}
			if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
				lock.Close()
				return fmt.Errorf("another lambdad holds %s: %w", bridge, err)
			}
			f = &forwarding{lock: lock, bridge: bridge, nft: nft}
			cur, err := os.ReadFile(forwardFile)
			if err != nil {
				return err
			}
			orig := filepath.Join(forwardDir, "orig")
			off := strings.TrimSpace(string(cur)) == "0"
			if off {
				if err := os.WriteFile(orig, []byte("0"), 0o644); err != nil {
					return err
				}
			}
			if _, err := os.Stat(orig); err != nil {
				return nil // forwarding was on before lambdad: no guard
			}
			if err := f.guard(); err != nil { // before forwarding is on
				return err
			}
			if off {
				if err := os.WriteFile(forwardFile, []byte("1"), 0); err != nil {
					return fmt.Errorf("ip_forward: %w", err)
				}
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) && f == nil {
			continue // the last holder removed the directory meanwhile
		}
		if err != nil {
			if f != nil {
				f.lock.Close()
				os.Remove(f.lock.Name())
			}
			return nil, err
		}
		return f, nil
	}
}

// release gives the hold up; the last one restores forwarding as lambdad
// found it.
func (f *forwarding) release() error {
	name := f.lock.Name()
	os.Remove(name)
	f.lock.Close()
	return withDirLock(func() error {
		unguardErr := f.unguard() // forwarding is restored regardless
		locks, _ := filepath.Glob(filepath.Join(forwardDir, "*.lock"))
		for _, l := range locks {
			if held(l) {
				return unguardErr // another network still needs forwarding
			}
			os.Remove(l) // a crashed daemon's
		}
		defer os.Remove(forwardDir) // the last holder leaves nothing
		orig := filepath.Join(forwardDir, "orig")
		v, err := os.ReadFile(orig)
		if errors.Is(err, fs.ErrNotExist) {
			return removeGuard(f.nft) // forwarding was on before lambdad
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(forwardFile, []byte(strings.TrimSpace(string(v))), 0); err != nil {
			return fmt.Errorf("ip_forward: %w", err)
		}
		if err := removeGuard(f.nft); err != nil { // after forwarding is off
			return err
		}
		return os.Remove(orig)
	})
}

// The guard's table and set, as nftables names them.
var (
	guardTable = &nftables.Table{Family: nftables.TableFamilyINet, Name: guardTableName}
	guardSet   = &nftables.Set{Table: guardTable, Name: guardBridges, KeyType: nftables.TypeIFName}
)

// guardExists tells whether some network made the guard.
func guardExists(nft *nftables.Conn) (bool, error) {
	tables, err := nft.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return false, fmt.Errorf("nftables: list tables: %w", err)
	}
	return slices.ContainsFunc(tables, func(t *nftables.Table) bool { return t.Name == guardTableName }), nil
}

// guard makes the guard, if no network has, and lets the bridge past it.
// A crashed daemon's bridge may still be in the set: harmless, as its
// bridge is gone or is a new daemon's.
func (f *forwarding) guard() error {
	exists, err := guardExists(f.nft)
	if err != nil {
		return err
	}
	elem := []nftables.SetElement{{Key: ifnameBytes(f.bridge)}}
	if !exists {
		f.nft.AddTable(guardTable)
		set := *guardSet // AddSet gives it an ID the rule refers to
		if err := f.nft.AddSet(&set, elem); err != nil {
			return fmt.Errorf("nftables: set: %w", err)
		}
		ch := f.nft.AddChain(&nftables.Chain{Name: "forward", Table: guardTable, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter})
		var exprs []expr.Any
		for _, key := range []expr.MetaKey{expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME} {
			exprs = append(exprs, &expr.Meta{Key: key, Register: reg1},
				&expr.Lookup{SourceRegister: reg1, SetName: set.Name, SetID: set.ID, Invert: true})
		}
		f.nft.AddRule(&nftables.Rule{Table: guardTable, Chain: ch, Exprs: append(exprs, verdict(expr.VerdictDrop)...)})
	} else if err := f.nft.SetAddElements(guardSet, elem); err != nil {
		return fmt.Errorf("nftables: set: %w", err)
	}
	if err := f.nft.Flush(); err != nil {
		return fmt.Errorf("nftables: guard forwarding: %w", err)
	}
	return nil
}

// unguard takes the bridge out of the guard's set, if there is a guard.
func (f *forwarding) unguard() error {
	if exists, err := guardExists(f.nft); err != nil || !exists {
		return err
	}
	if err := f.nft.SetDeleteElements(guardSet, []nftables.SetElement{{Key: ifnameBytes(f.bridge)}}); err != nil {
		return fmt.Errorf("nftables: set: %w", err)
	}
	if err := f.nft.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("nftables: unguard %s: %w", f.bridge, err)
	}
	return nil
}

// removeGuard deletes the guard, if there is one.
func removeGuard(nft *nftables.Conn) error {
	if exists, err := guardExists(nft); err != nil || !exists {
		return err
	}
	nft.DelTable(guardTable)
	if err := nft.Flush(); err != nil {
		return fmt.Errorf("nftables: delete table %s: %w", guardTableName, err)
	}
	return nil
}

// held tells whether a live process holds the lock file at path.
func held(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return true
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}

// withDirLock runs fn holding the forwarding directory's own lock.
func withDirLock(fn func() error) error {
	d, err := os.Open(forwardDir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Flock(int(d.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	defer unix.Flock(int(d.Fd()), unix.LOCK_UN)
	return fn()
}
