package launcher

import (
	"time"

	"github.com/lambdad/lambdad/scheduler"
)

// An instance tells the scheduler where its launch's time went, so that a
// slow cold start can be explained (its debug log line, metrics).
var _ scheduler.Phased = (*instance)(nil)

// Phases is the instance's launch: the sandbox's setup (none on the
// start's path for a spare) and its runtime's start.
func (i *instance) Phases() scheduler.StartPhases { return i.phases }

// phases is p's launch once its runtime took started to start.
func (p *prepared) phases(started time.Duration) scheduler.StartPhases {
	if p.spare {
		return scheduler.StartPhases{Spare: true, Start: started}
	}
	return scheduler.StartPhases{Create: p.created, Start: started}
}

// Spares counts the spares ready for a cold start.
func (l *Launcher) Spares() int { return l.spares.readyCount() }

func (s *spares[T]) readyCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ready)
}
