package network

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// IPv4 forwarding is one switch for the whole host, and sandboxes' egress
// needs it on. lambdad turns it on if it is off, and turns it off again
// when the last of its networks closes, several daemons (tests, say)
// sharing the host alike: each network holds a lock file while it lives,
// and the value to restore is kept beside them. While lambdad has turned
// it on, each network's rules forward nothing that is not its bridge's
// (rules.go), so the host routes nothing it did not route before.
const (
	forwardDir  = "/run/lambdad-ip-forward" // the lock files, and orig
	forwardFile = "/proc/sys/net/ipv4/ip_forward"
)

// forwarding is one network's hold on IPv4 forwarding.
type forwarding struct {
	lock    *os.File
	guarded bool // lambdad turned forwarding on: forward only bridges' traffic
}

// holdForwarding turns forwarding on if it is off and takes a hold on it
// for the bridge. The hold (a locked file) is taken under the directory's
// lock, so that a release never takes it for a dead daemon's.
func holdForwarding(bridge string) (*forwarding, error) {
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
			f = &forwarding{lock: lock}
			cur, err := os.ReadFile(forwardFile)
			if err != nil {
				return err
			}
			orig := filepath.Join(forwardDir, "orig")
			if strings.TrimSpace(string(cur)) == "0" {
				if err := os.WriteFile(orig, []byte("0"), 0o644); err != nil {
					return err
				}
				if err := os.WriteFile(forwardFile, []byte("1"), 0); err != nil {
					return fmt.Errorf("ip_forward: %w", err)
				}
			}
			_, err = os.Stat(orig)
			f.guarded = err == nil
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
		locks, _ := filepath.Glob(filepath.Join(forwardDir, "*.lock"))
		for _, l := range locks {
			if held(l) {
				return nil // another network still needs forwarding
			}
			os.Remove(l) // a crashed daemon's
		}
		defer os.Remove(forwardDir) // the last holder leaves nothing
		orig := filepath.Join(forwardDir, "orig")
		v, err := os.ReadFile(orig)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // forwarding was on before lambdad
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(forwardFile, []byte(strings.TrimSpace(string(v))), 0); err != nil {
			return fmt.Errorf("ip_forward: %w", err)
		}
		return os.Remove(orig)
	})
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
