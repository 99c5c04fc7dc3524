package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"
	"github.com/opencontainers/runc/libcontainer"

	"github.com/lambdad/lambdad/rootfs"
)

// DefaultCgroupParent is the cgroup under which sandboxes are created.
const DefaultCgroupParent = "/lambdad"

// Config configures a Manager.
type Config struct {
	// StateDir holds libcontainer's state, one directory per sandbox
	// (e.g. /run/lambdad/containers).
	StateDir string
	// CgroupParent is the cgroup path (from the hierarchy roots) under which
	// each sandbox gets <CgroupParent>/<id>; default /lambdad.
	CgroupParent string
	// FirstUID is the first of the UIDsPerRange host uids (and gids) the
	// sandboxes run as, two per sandbox (userns.go); 0 means
	// DefaultFirstUID.
	FirstUID int
}

// Manager creates sandboxes.
type Manager struct {
	stateDir     string
	cgroupParent string
	uids         *uidPool
	reachable    sync.Map // root tree paths CheckReachable passed
}

// NewManager checks cfg and makes the state directory.
func NewManager(cfg Config) (*Manager, error) {
	if !filepath.IsAbs(cfg.StateDir) {
		return nil, fmt.Errorf("sandbox manager: state dir %q is not an absolute path", cfg.StateDir)
	}
	if cfg.CgroupParent == "" {
		cfg.CgroupParent = DefaultCgroupParent
	}
	if !path.IsAbs(cfg.CgroupParent) {
		return nil, fmt.Errorf("sandbox manager: cgroup parent %q must start with /", cfg.CgroupParent)
	}
	if cfg.FirstUID == 0 {
		cfg.FirstUID = DefaultFirstUID
	}
	if err := checkUIDRange(cfg.FirstUID); err != nil {
		return nil, fmt.Errorf("sandbox manager: %w", err)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox manager: %w", err)
	}
	return &Manager{stateDir: cfg.StateDir, cgroupParent: path.Clean(cfg.CgroupParent), uids: newUIDPool(cfg.FirstUID)}, nil
}

// MakeUserNSAhead makes the Manager keep n user namespaces ready for new
// sandbox slots once the sandboxes outgrow the slots made so far (each is a
// process started, ~1 ms, more on a busy host): a cold start that needs a
// new slot then finds one. For a daemon; 0 (the default) makes none ahead.
func (m *Manager) MakeUserNSAhead(n int) { m.uids.setAhead(n) }

// CgroupPath is the cgroup of the sandbox id, from the hierarchy roots.
func (m *Manager) CgroupPath(id string) string { return path.Join(m.cgroupParent, id) }

// StateDir is where libcontainer keeps the state of the sandbox id.
func (m *Manager) StateDir(id string) string { return filepath.Join(m.stateDir, id) }

// Create sets up a sandbox from req; nothing runs until Start (or
// Prestart).
func (m *Manager) Create(req CreateRequest) (_ *Sandbox, retErr error) {
	if req.ID == "" {
		req.ID = NewID()
	}
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
	}
	if _, ok := m.reachable.Load(req.Root.Path); !ok {
		if err := CheckReachable(req.Root.Path); err != nil {
			return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
		}
		m.reachable.Store(req.Root.Path, true)
	}
	uns, err := m.uids.get(req.UID, req.GID)
	if err != nil {
		return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
	}
	defer func() {
		if retErr != nil {
			m.uids.put(uns)
		}
	}()
	var rn *runtimeNet
	netnsPath := ""
	switch {
	case req.HostNetwork:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("create sandbox %s: runtime api listener: %w", req.ID, err)
		}
		defer func() {
			if retErr != nil {
				ln.Close()
			}
		}()
		rn = &runtimeNet{ln: ln}
		req.Env = withEnv(req.Env, "AWS_LAMBDA_RUNTIME_API", ln.Addr().String())
	case req.RuntimeAPIAddr != "":
		var err error
		if rn, err = newRuntimeNet(req.RuntimeAPIAddr); err != nil {
			return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
		}
		defer func() {
			if retErr != nil {
				rn.close()
			}
		}()
		netnsPath = rn.path()
	}
	var detach func() error
	if req.Network != nil {
		files, undo, err := req.Network.Attach(req.ID, rn.ns)
		if err != nil {
			return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
		}
		defer func() {
			if retErr != nil {
				undo()
			}
		}()
		req.Files = append(append([]rootfs.Bind(nil), req.Files...), files...)
		detach = undo
	}
	spec := specFor(&req, m.CgroupPath(req.ID), netnsPath, false)
	if req.HostNetwork {
		hostNetwork(spec)
	}
	config, err := containerConfig(req.ID, spec)
	if err != nil {
		return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
	}
	joinUserNS(config, uns)
	cg, err := manager.New(config.Cgroups)
	if err != nil {
		return nil, fmt.Errorf("create sandbox %s: cgroup manager: %w", req.ID, err)
	}
	c, err := libcontainer.Create(m.stateDir, req.ID, config)
	if err != nil {
		return nil, fmt.Errorf("create sandbox %s: %w", req.ID, err)
	}
	s := &Sandbox{
		id:        req.ID,
		req:       req,
		spec:      spec,
		stateDir:  m.StateDir(req.ID),
		container: c,
		cgroup:    cg,
		net:       rn,
		detach:    detach,
		userns:    uns,
		uids:      m.uids,
		done:      make(chan struct{}),
	}
	if req.HostNetwork {
		rn.ln = &ownerListener{Listener: rn.ln, s: s}
	}
	return s, nil
}

// withEnv is env with name set to value, in place of any it had.
func withEnv(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return append(out, name+"="+value)
}

// Cleanup destroys every sandbox a previous run left in the state directory
// (a crash, a SIGKILL): processes, cgroups and state directories.
func (m *Manager) Cleanup() error {
	entries, err := os.ReadDir(m.stateDir)
	if err != nil {
		return fmt.Errorf("sandbox cleanup: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") { // parentMarker, not a sandbox
			continue
		}
		if err := m.cleanupOne(e.Name()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) cleanupOne(id string) error {
	c, err := libcontainer.Load(m.stateDir, id)
	if err != nil {
		// Not a loadable container: a crash during its start, before its
		// state was saved. Its cgroup, if made, may hold processes.
		if validID(id) {
			if err := m.cleanupCgroup(id); err != nil {
				return err
			}
		}
		return os.RemoveAll(m.StateDir(id))
	}
	config := c.Config()
	state, err := c.State()
	if err != nil {
		return fmt.Errorf("sandbox cleanup %s: %w", id, err)
	}
	cg, err := manager.NewWithPaths(config.Cgroups, state.CgroupPaths)
	if err != nil {
		return fmt.Errorf("sandbox cleanup %s: cgroup manager: %w", id, err)
	}
	s := &Sandbox{id: id, stateDir: m.StateDir(id), container: c, cgroup: cg, state: Exited, done: make(chan struct{})}
	close(s.done)
	if err := s.killAll(); err != nil {
		return fmt.Errorf("sandbox cleanup %s: %w", id, err)
	}
	// The init is not our child, so there is nothing to wait for: poll until
	// it is gone (cgroup v2 drops a dying process from cgroup.procs before it
	// is a zombie, and libcontainer refuses to destroy a running container).
	deadline := time.Now().Add(killTimeout)
	for {
		st, err := c.Status()
		if err != nil || st == libcontainer.Stopped {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sandbox cleanup %s: %w: init still %s after %s", id, ErrLeaked, st, killTimeout)
		}
		time.Sleep(time.Millisecond)
	}
	return s.Destroy()
}

// cleanupCgroup kills what is in the cgroup of sandbox id and removes it.
func (m *Manager) cleanupCgroup(id string) error {
	cg, err := manager.New(&cgroups.Cgroup{Path: m.CgroupPath(id), Resources: &cgroups.Resources{}})
	if err != nil {
		return fmt.Errorf("sandbox cleanup %s: cgroup manager: %w", id, err)
	}
	s := &Sandbox{id: id, cgroup: cg, state: Exited}
	if err := s.killAll(); err != nil {
		return fmt.Errorf("sandbox cleanup %s: %w", id, err)
	}
	if err := cg.Destroy(); err != nil {
		return fmt.Errorf("sandbox cleanup %s: cgroup: %w", id, err)
	}
	return nil
}

// NewID returns a fresh random sandbox id.
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
