package sandbox

import (
	"fmt"

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
