package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/opencontainers/cgroups"
)

// Stats is a sandbox's memory use, read from its cgroup.
type Stats struct {
	MemoryBytes     uint64 // in use now
	PeakMemoryBytes uint64 // the most ever in use
	OOMKills        uint64 // processes the OOM killer chose in this cgroup
}

// OOMKilled tells whether the OOM killer fired in the sandbox.
func (st Stats) OOMKilled() bool { return st.OOMKills > 0 }

// Stats reads the sandbox's memory use. It works until Destroy, also after
// the init has exited, so a dead sandbox can still report its peak.
func (s *Sandbox) Stats() (Stats, error) {
	cs, err := s.cgroup.Stats(&cgroups.StatsOptions{Controllers: cgroups.Memory})
	if err != nil {
		return Stats{}, fmt.Errorf("stats of sandbox %s: %w", s.id, err)
	}
	ooms, err := s.cgroup.OOMKillCount()
	if err != nil {
		return Stats{}, fmt.Errorf("stats of sandbox %s: oom count: %w", s.id, err)
	}
	return Stats{
		MemoryBytes:     cs.MemoryStats.Usage.Usage,
		PeakMemoryBytes: cs.MemoryStats.Usage.MaxUsage,
		OOMKills:        ooms,
	}, nil
}

// PeakMemory is the most memory the sandbox has had in use, in bytes, as
// Stats' PeakMemoryBytes, but read from one cgroup file through a descriptor
// kept open until Destroy: it is asked after every invoke (REPORT's Max
// Memory Used), and Stats, a dozen files opened and parsed, was most of the
// daemon's CPU on the warm path.
func (s *Sandbox) PeakMemory() (uint64, error) {
	s.peakMu.Lock()
	defer s.peakMu.Unlock()
	if s.peakFile == nil {
		f, err := s.openPeak()
		if errors.Is(err, os.ErrNotExist) { // cgroup v2 before Linux 5.19: no memory.peak
			st, err := s.Stats()
			return st.PeakMemoryBytes, err
		}
		if err != nil {
			return 0, fmt.Errorf("peak memory of sandbox %s: %w", s.id, err)
		}
		s.peakFile = f
	}
	var buf [32]byte
	n, err := s.peakFile.ReadAt(buf[:], 0)
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("peak memory of sandbox %s: %w", s.id, err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(buf[:n])), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("peak memory of sandbox %s: %w", s.id, err)
	}
	return v, nil
}

func (s *Sandbox) openPeak() (*os.File, error) {
	if cgroups.IsCgroup2UnifiedMode() {
		return cgroups.OpenFile(s.cgroup.Path(""), "memory.peak", os.O_RDONLY)
	}
	return cgroups.OpenFile(s.cgroup.Path("memory"), "memory.max_usage_in_bytes", os.O_RDONLY)
}

// closePeak closes PeakMemory's descriptor, if open.
func (s *Sandbox) closePeak() {
	s.peakMu.Lock()
	defer s.peakMu.Unlock()
	if s.peakFile != nil {
		s.peakFile.Close()
		s.peakFile = nil
	}
}
