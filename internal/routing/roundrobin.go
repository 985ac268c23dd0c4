package routing

import (
	"sync/atomic"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// RoundRobin rotates the first target on every request; the others follow
// in listed order from there, wrapping around. The counter is per gateway
// instance (a Lambda instance serves one request at a time, so across
// instances the rotation is approximate).
type RoundRobin struct {
	next atomic.Uint64
}

var _ Strategy = (*RoundRobin)(nil)

// NewRoundRobin builds a round_robin router; it has no fields of its own.
func NewRoundRobin(*config.Router, []TargetInfo) (*RoundRobin, error) {
	return &RoundRobin{}, nil
}

// Order starts at the next target in rotation.
func (r *RoundRobin) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := len(targets)
	if n == 0 {
		p.Why = "no targets"
		return
	}
	start := int(rotate(&r.next, in) % uint64(n))
	for i := 0; i < n; i++ {
		p.Order = append(p.Order, (start+i)%n)
	}
	p.Why = "round robin"
}

// rotate returns a rotation counter's current value and advances it,
// unless in asks for a peek.
func rotate(next *atomic.Uint64, in *Input) uint64 {
	if in != nil && in.Peek {
		return next.Load()
	}
	return next.Add(1) - 1
}
