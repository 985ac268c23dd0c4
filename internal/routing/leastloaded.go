package routing

import (
	"sync/atomic"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// LeastLoaded tries the target with the fewest requests in flight first
// (in.Load, shared across instances), the others in ascending load. Ties
// are broken round robin: the tied targets are taken in listed order
// starting from a rotating offset, so idle targets share traffic instead of
// the first listed taking it all. Without load figures: listed order.
type LeastLoaded struct {
	next atomic.Uint64
}

var _ Strategy = (*LeastLoaded)(nil)

// NewLeastLoaded builds a least_loaded router; it has no fields of its own.
func NewLeastLoaded(*config.Router, []TargetInfo) (*LeastLoaded, error) {
	return &LeastLoaded{}, nil
}

// Order sorts targets by in-flight count, ties in rotated order.
func (l *LeastLoaded) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := len(targets)
	if in == nil || in.Load == nil || n == 0 {
		listed(n, p)
		p.Why = "no load figures: listed order"
		return
	}
	var keyBuf [scratchSize]float64
	keys := keyBuf[:0]
	if n > scratchSize {
		keys = make([]float64, 0, n)
	}
	for i, t := range targets {
		f := inFlight(in.Load, t)
		keys = append(keys, float64(f))
		p.SetScore(n, i, float64(f), "requests in flight (fewest first)")
	}
	start := int(rotate(&l.next, in) % uint64(n))
	base := len(p.Order)
	for i := 0; i < n; i++ {
		p.Order = append(p.Order, (start+i)%n)
	}
	sortByKey(p.Order[base:], keys)
	p.Why = "fewest requests in flight first; ties in rotation"
}

// inFlight is a target's load: its model's count, or for a router target
// the sum over the models under it.
func inFlight(load LoadSource, t TargetInfo) int64 {
	if t.Leaf || len(t.Leaves) == 0 {
		return load.InFlight(t.Key)
	}
	var n int64
	for _, k := range t.Leaves {
		n += load.InFlight(k)
	}
	return n
}
