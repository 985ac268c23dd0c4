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
// The comparison is soft: of two busy targets, one with load la beats one
// with lb with probability (lb+1)/(la+lb+2). Loads far apart decide almost
// surely (1 against 30: 97%); loads the snapshot's age has made
// meaningless (40 against 44: 53%) barely move the choice, which is what
// keeps instances acting on the same stale counts from swinging together
// (the hard comparison still sent 39% of the load to one of four targets
// in the simulation; the soft one 29%, 25% being the even split). An idle
// target (nothing in flight) always beats a busy one.
//
// When every target has the same load (all idle, most often), without
// Rand, or with one target, the least loaded target is first, ties broken
// round robin: the tied targets are taken in listed order from a rotating
// offset, so idle targets take turns exactly. Without load figures:
// listed order.
type LeastLoaded struct {
	next atomic.Uint64
	// pending is the next request's random draw, made in advance by the
	// request before it (0: none yet), so that explain (Input.Peek) can
	// show the pick the next call gets without taking it.
	pending atomic.Uint64
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
	if in.Rand != nil && n > 1 && !allEqual(keys) {
		// Two distinct targets at random; the less loaded first, then
		// the rest by load, ties in listed order.
		x := l.draw(in)
		u := float64(x&(1<<26-1)) / (1 << 26)
		y := x >> 26
		a, b := int(y%uint64(n)), int(y/uint64(n)%uint64(n-1))
		if b >= a {
			b++
		}
		if l.beats(keys[b], keys[a], u) {
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

// draw returns 53 random bits for this request: the pending draw, which a
// real call takes and replaces from its own randomness and explain only
// reads.
func (l *LeastLoaded) draw(in *Input) uint64 {
	fresh := func() uint64 { return 1 + uint64(in.Rand.Float64()*(1<<53)) }
	if in.Peek {
		l.pending.CompareAndSwap(0, fresh())
		return l.pending.Load() - 1
	}
	v := l.pending.Swap(fresh())
	if v == 0 {
		v = fresh()
	}
	return v - 1
}

// beats reports whether a target with load la wins against one with lb,
// given a uniform draw u in [0, 1).
func (l *LeastLoaded) beats(la, lb, u float64) bool {
	switch {
	case la == 0 || lb == 0:
		return la < lb
	}
	return u*(la+lb+2) < lb+1
}

func allEqual(keys []float64) bool {
	for _, k := range keys {
		if k != keys[0] {
			return false
		}
	}
	return true
}
