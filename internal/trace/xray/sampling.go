package xray

import (
	"math/rand/v2"
	"sync"
	"time"
)

// sampler is X-Ray's default local sampling rule, the one the X-Ray SDKs
// apply without a daemon to ask: the first request in each second is
// traced (the reservoir), and 5% of the others. It decides only for
// requests that arrive without a decision; under Lambda the decision
// always comes with the invocation.
type sampler struct {
	now  func() time.Time
	rand func() float64

	mu     sync.Mutex
	second int64 // the Unix second the reservoir was last used in
	taken  int   // how much of this second's reservoir is used
}

const (
	reservoirPerSecond = 1
	sampleRate         = 0.05
)

func newSampler() *sampler { return &sampler{now: time.Now, rand: rand.Float64} }

func (s *sampler) sample() bool {
	sec := s.now().Unix()
	s.mu.Lock()
	if sec != s.second {
		s.second, s.taken = sec, 0
	}
	take := s.taken < reservoirPerSecond
	if take {
		s.taken++
	}
	s.mu.Unlock()
	return take || s.rand() < sampleRate
}
