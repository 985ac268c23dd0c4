package routing

import (
	"math"
	"sync"
	"time"
)

// Observation is one finished attempt on a target, as the instance that
// made it saw it: what a Recent learns from.
type Observation struct {
	OK        bool
	Latency   time.Duration
	TTFT      time.Duration // 0 when not measured (not streamed)
	TokensOut int64
	Gen       time.Duration // time spent generating TokensOut (latency minus TTFT)
	CostUSD   float64
}

// Recent is one gateway instance's own view of its targets' last
// outcomes, fed by the engine as each attempt ends. The shared stats reach
// a strategy through the store's rollup and a cache refreshed every few
// seconds, so they lag by up to a minute; Recent has no lag, so one
// instance learns from its first requests and notices a target that turns
// bad within a few, while Blended still lets every instance start from
// what the others measured.
//
// Per target it keeps exponentially weighted moving averages that give
// the last recentWeight observations most of the weight (the success
// rate: the last successWeight). Plain EWMAs, not peak-EWMAs (Finagle,
// Linkerd): a peak-EWMA takes one slow request as the target's latency,
// and a target this instance then stops sending to keeps that figure
// until it fades — in the simulation the better of two targets led after
// 267 requests instead of 11 in 90% of runs (docs/BENCHMARKS.md). It is safe for
// concurrent use; its size is bounded by the keys the engine observes
// (the configured and catalogued models).
type Recent struct {
	mu sync.Mutex
	m  map[string]*recentTarget
}

// recentTarget is one target's figures; has* say whether a figure was
// ever measured (a cost of 0 means an unpriced model, not a free one).
type recentTarget struct {
	n    int64
	last time.Time

	latencyMs, ttftMs, success, tokens, genS, costUSD float64
	hasTTFT, hasTPS, hasCost                          bool
}

// recentWeight is how many of the latest observations carry most of an
// EWMA's weight (alpha = 2/(recentWeight+1)), and the most local
// observations Blended counts.
const recentWeight = 10

const alpha = 2.0 / (recentWeight + 1)

// successWeight is the memory of the success rate's EWMA: a rate near 1
// needs a few dozen requests to tell 99% from 85%, where ten would let
// one failure move it by a fifth.
const successWeight = 30

const successAlpha = 2.0 / (successWeight + 1)

// recentHalfLife is how fast an instance's own figures lose their weight
// against the shared ones when it stops observing a target: a target it
// has left is judged again on what the whole fleet saw. It is the
// shortest stats window: a shorter one would hand a target this instance
// just saw turn bad back to shared figures that still average its good
// past, and traffic would flap back to it.
const recentHalfLife = 5 * time.Minute

// sharedWeight is the most local observations the shared figures weigh
// as much as: with recentWeight fresh observations of its own an instance
// gives them five sixths of the weight, so it acts on what it just saw
// (the shared figures lag by up to a minute), and still a sixth to the
// fleet's larger sample.
const sharedWeight = 2

// NewRecent returns an empty Recent.
func NewRecent() *Recent { return &Recent{m: map[string]*recentTarget{}} }

// Observe records o for target key, ended at at.
func (r *Recent) Observe(key string, at time.Time, o Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.m[key]
	if t == nil {
		t = &recentTarget{}
		r.m[key] = t
	}
	first := t.n == 0
	t.n++
	if at.After(t.last) {
		t.last = at
	}
	ok := 0.0
	if o.OK {
		ok = 1
	}
	t.latencyMs = ewma(t.latencyMs, float64(o.Latency.Microseconds())/1000, first)
	if first {
		t.success = ok
	} else {
		t.success += successAlpha * (ok - t.success)
	}
	if o.TTFT > 0 {
		t.ttftMs = ewma(t.ttftMs, float64(o.TTFT.Microseconds())/1000, !t.hasTTFT)
		t.hasTTFT = true
	}
	if o.OK && o.TokensOut > 0 && o.Gen > 0 {
		// Tokens and generation time are averaged apart and divided
		// when read, as the aggregator divides sums: a short answer does
		// not weigh like a long one.
		t.tokens = ewma(t.tokens, float64(o.TokensOut), !t.hasTPS)
		t.genS = ewma(t.genS, o.Gen.Seconds(), !t.hasTPS)
		t.hasTPS = true
	}
	if o.OK && o.CostUSD > 0 {
		t.costUSD = ewma(t.costUSD, o.CostUSD, !t.hasCost)
		t.hasCost = true
	}
}

func ewma(avg, x float64, first bool) float64 {
	if first {
		return x
	}
	return avg + alpha*(x-avg)
}

// get copies key's figures.
func (r *Recent) get(key string) (recentTarget, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.m[key]
	if t == nil {
		return recentTarget{}, false
	}
	return *t, true
}

// Blended serves shared stats with an instance's own recent figures
// weighed in (a StatsSource). Build it once; it reads both on each call.
type Blended struct {
	Shared StatsSource // nil: local figures only
	Local  *Recent     // nil: shared figures only
	Now    func() time.Time
}

var _ StatsSource = (*Blended)(nil)

// TargetStats blends key's shared figures over window with the local
// ones. The local weight is the number of local observations (at most
// recentWeight), halved for every recentHalfLife since the last; the
// shared weight is the shared request count, at most sharedWeight. Each
// figure is the weighted mean of the two (or the one that has it), and
// Requests is the shared count plus the local weight, rounded.
func (b *Blended) TargetStats(key string, window time.Duration) (TargetStats, bool) {
	var sh TargetStats
	okS := false
	if b.Shared != nil {
		sh, okS = b.Shared.TargetStats(key, window)
	}
	if b.Local == nil {
		return sh, okS
	}
	lo, okL := b.Local.get(key)
	if !okL {
		return sh, okS
	}
	decay := 1.0
	if age := b.Now().Sub(lo.last); age > 0 {
		decay = math.Exp2(-float64(age) / float64(recentHalfLife))
	}
	w := float64(min(lo.n, recentWeight)) * decay
	// The local requests counted: as many as the success rate's memory,
	// the longest of the local figures, so a draw from it is as wide as
	// what it rests on.
	nl := int64(math.Round(float64(min(lo.n, successWeight)) * decay))
	if nl == 0 {
		return sh, okS
	}
	if !okS || sh.Requests <= 0 {
		sh = TargetStats{}
	}
	ws := math.Min(float64(sh.Requests), sharedWeight)
	lam := w / (w + ws) // the local share of each figure
	mix := func(shared float64, local float64, hasLocal bool) float64 {
		switch {
		case !hasLocal:
			return shared
		case shared <= 0 || ws == 0:
			return local
		}
		return lam*local + (1-lam)*shared
	}
	tps := 0.0
	if lo.hasTPS && lo.genS > 0 {
		tps = lo.tokens / lo.genS
	}
	out := TargetStats{
		Requests:     sh.Requests + nl,
		SuccessRate:  lo.success,
		LatencyAvgMs: mix(sh.LatencyAvgMs, lo.latencyMs, true),
		LatencyP50Ms: sh.LatencyP50Ms,
		LatencyP95Ms: sh.LatencyP95Ms,
		TTFTMs:       mix(sh.TTFTMs, lo.ttftMs, lo.hasTTFT),
		TokensPerSec: mix(sh.TokensPerSec, tps, tps > 0),
		CostUSD:      mix(sh.CostUSD, lo.costUSD, lo.hasCost),
	}
	if ws > 0 {
		out.SuccessRate = lam*lo.success + (1-lam)*sh.SuccessRate
	}
	return out, true
}
