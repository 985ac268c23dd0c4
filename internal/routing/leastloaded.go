package routing

import (
	"sync/atomic"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// LeastLoaded sends a request to the less loaded of two targets drawn at
// random (power of two choices), the others following in ascending load.
//
// Load is in.Load: the in-flight counts shared through the store, as of
// the engine's last refresh (up to a few seconds old), plus this
// instance's own changes since. Ranking every target by those figures
// would send every instance's requests to the same least-loaded target
// until the next refresh, and the load would swing from target to target;
// comparing two random targets spreads the requests while still steering
// them away from busy targets (Mitzenmacher, "How useful is old
// information?"; docs/BENCHMARKS.md, "Adaptive routing").
//
// Without Rand (or with one target) the least loaded target is first,
// ties broken round robin: the tied targets are taken in listed order from
// a rotating offset. Without load figures: listed order.
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
	base := len(p.Order)
	if in.Rand != nil && n > 1 {
		// Two distinct targets at random; the less loaded first (the
		// first drawn on a tie), then the rest by load, ties in listed
		// order.
		a, b := in.Rand.IntN(n), in.Rand.IntN(n-1)
		if b >= a {
			b++
		}
		// Soft comparison: a wins with probability (lb+1)/(la+lb+2).
		if in.Rand.Float64()*(keys[a]+keys[b]+2) >= keys[b]+1 {
			a = b
		}
		p.Order = append(p.Order, a)
		for i := 0; i < n; i++ {
			if i != a {
				p.Order = append(p.Order, i)
			}
		}
		sortByKey(p.Order[base+1:], keys)
		p.Why = "less loaded of two random targets first (power of two choices), then fewest requests in flight"
		return
	}
	start := int(rotate(&l.next, in) % uint64(n))
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
