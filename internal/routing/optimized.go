package routing

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// Optimized ranks targets best-first by a rolling metric, learning from
// few requests.
//
// A target with no request in the window yet is tried first (vLLora:
// measuring it costs one request). The measured targets are ranked by a
// draw from what their figures allow (Thompson sampling, see draw): a
// target measured on a few requests still gets traffic while it might be
// the best, and stops as soon as it clearly is not. A target with
// requests but no figure for the metric (a model without a price, for
// cost) comes last. With probability explore, the least-sampled of the
// targets not ranked first is tried first instead, so a target that fell
// behind is measured again and is seen when it recovers. min_samples only
// labels a target with fewer requests as under-sampled in explain.
//
// Stats may be a Blended source, so that figures include this instance's
// own last requests and not only the shared rollup, which lags.
//
// With no Stats, or no figures for any target, the order is the listed one.
type Optimized struct {
	metric     metric
	window     time.Duration
	minSamples int64
	explore    float64

	reasonRanked, reasonUnder, reasonUnmeasured, reasonNoFigure, reasonExplore string
	whyRanked, whyExplore                                                      string
}

var _ Strategy = (*Optimized)(nil)

// metric reads one figure from a target's stats. ok is false when the
// stats carry no figure for it (a latency of 0 was never measured).
type metric struct {
	name         string
	unit         string
	higherBetter bool
	noise        noise
	value        func(TargetStats) (v float64, ok bool)
}

// noise is how a metric's figure varies from request to request, which is
// how uncertain a figure resting on few requests is (see draw).
type noise int

const (
	noNoise    noise = iota // a count: ranked as it is
	logNormal               // latency, TTFT, cost, tokens/s
	proportion              // success or error rate
)

// metrics are optimized's metrics by name, vLLora's spellings included:
// tps is throughput; error_rate ranks as success_rate does but shows the
// error rate; requests (vLLora's "most used") puts the most-requested first.
var metrics = map[string]metric{
	"latency":      {"latency", "average ms", false, logNormal, func(s TargetStats) (float64, bool) { return s.LatencyAvgMs, s.LatencyAvgMs > 0 }},
	"ttft":         {"ttft", "average ms to first token", false, logNormal, func(s TargetStats) (float64, bool) { return s.TTFTMs, s.TTFTMs > 0 }},
	"cost":         {"cost", "average USD per request", false, logNormal, func(s TargetStats) (float64, bool) { return s.CostUSD, s.CostUSD > 0 }},
	"success_rate": {"success_rate", "share of requests", true, proportion, func(s TargetStats) (float64, bool) { return s.SuccessRate, true }},
	"error_rate":   {"error_rate", "share of requests", false, proportion, func(s TargetStats) (float64, bool) { return 1 - s.SuccessRate, true }},
	"throughput":   {"throughput", "output tokens/s", true, logNormal, func(s TargetStats) (float64, bool) { return s.TokensPerSec, true }},
	"tps":          {"tps", "output tokens/s", true, logNormal, func(s TargetStats) (float64, bool) { return s.TokensPerSec, true }},
	"requests":     {"requests", "requests", true, noNoise, func(s TargetStats) (float64, bool) { return float64(s.Requests), true }},
}

const metricNames = "latency, ttft, cost, success_rate, throughput (vLLora: tps, error_rate, requests)"

// windows are the rolling windows the stats store keeps.
var windows = []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour}

// Defaults of an optimized router.
const (
	DefaultMetric     = "latency"
	DefaultWindow     = 15 * time.Minute
	DefaultMinSamples = 10
	DefaultExplore    = 0.05
)

// NewOptimized validates an optimized router: metric (default latency) one
// of the known metrics, window (default 15m) one of 5m, 15m, 1h, 24h,
// min_samples (default 10) >= 0, explore (default 0.05) within [0, 1].
func NewOptimized(r *config.Router, _ []TargetInfo) (*Optimized, error) {
	name := r.Metric
	if name == "" {
		name = DefaultMetric
	}
	m, ok := metrics[name]
	if !ok {
		return nil, fmt.Errorf("metric: must be one of %s, not %q", metricNames, r.Metric)
	}
	o := &Optimized{metric: m, window: r.Window.D(), minSamples: int64(r.MinSamples), explore: DefaultExplore}
	if o.window == 0 {
		o.window = DefaultWindow
	}
	found := false
	for _, w := range windows {
		found = found || w == o.window
	}
	if !found {
		return nil, fmt.Errorf("window: must be 5m, 15m, 1h or 24h (the windows stats are kept for), not %s", o.window)
	}
	switch {
	case r.MinSamples < 0:
		return nil, fmt.Errorf("min_samples: must be >= 0, not %d", r.MinSamples)
	case r.MinSamples == 0:
		o.minSamples = DefaultMinSamples
	}
	if r.Explore != nil {
		if !(*r.Explore >= 0 && *r.Explore <= 1) {
			return nil, fmt.Errorf("explore: must be between 0 and 1, not %v", *r.Explore)
		}
		o.explore = *r.Explore // 0 turns exploring off
	}
	win := shortDuration(o.window)
	better := "lower"
	if m.higherBetter {
		better = "higher"
	}
	minS := strconv.FormatInt(o.minSamples, 10)
	o.reasonRanked = m.name + " (" + m.unit + ") over " + win + ", " + better + " is better; ranked by a draw within its uncertainty"
	o.reasonUnder = "under-sampled: fewer than " + minS + " requests in " + win + "; " + m.name + " (" + m.unit + ") ranked by a wide draw"
	o.reasonUnmeasured = "unmeasured: no request in " + win + "; tried first"
	o.reasonNoFigure = "no " + m.name + " figure in " + win + "; score is the request count"
	o.reasonExplore = "explored: the least-sampled of the others, tried first; score is the request count"
	o.whyRanked = "unmeasured targets first, then best " + m.name + " over " + win + " by Thompson sampling; targets without a figure last"
	o.whyExplore = "exploring (p=" + strconv.FormatFloat(o.explore, 'g', -1, 64) + "): the least-sampled of the others first, then " + o.whyRanked
	return o, nil
}

// NewLatency is the latency strategy: optimized with metric latency.
func NewLatency(r *config.Router, targets []TargetInfo) (*Optimized, error) {
	if r.Metric != "" && r.Metric != "latency" {
		return nil, fmt.Errorf("metric: the latency strategy ranks by latency; use strategy optimized for metric %q", r.Metric)
	}
	c := *r
	c.Metric = "latency"
	return NewOptimized(&c, targets)
}

// Order puts unmeasured targets first, then ranks the measured ones by a
// draw from what their figures allow (Thompson sampling), then the ones
// without a figure.
func (o *Optimized) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := len(targets)
	if in == nil || in.Stats == nil {
		listed(n, p)
		p.Why = "no stats: listed order"
		return
	}
	// keys[i] is the sort key of a ranked target (lower first), NaN for
	// an unmeasured one and +Inf for one with requests but no figure;
	// reqs[i] its request count.
	var keyBuf [scratchSize]float64
	var reqBuf [scratchSize]int64
	keys, reqs := keyBuf[:0], reqBuf[:0]
	if n > scratchSize {
		keys, reqs = make([]float64, 0, n), make([]int64, 0, n)
	}
	anyStats := false
	for i, t := range targets {
		st, ok := in.Stats.TargetStats(t.Key, o.window)
		if !ok || st.Requests < 0 {
			st = TargetStats{}
		}
		anyStats = anyStats || st.Requests > 0
		reqs = append(reqs, st.Requests)
		v, vok := o.metric.value(st)
		switch {
		case st.Requests == 0:
			keys = append(keys, math.NaN())
			p.SetScore(n, i, 0, o.reasonUnmeasured)
		case !vok || math.IsNaN(v):
			keys = append(keys, math.Inf(1))
			p.SetScore(n, i, float64(st.Requests), o.reasonNoFigure)
		default:
			keys = append(keys, o.draw(in.Rand, v, st))
			if st.Requests >= o.minSamples {
				p.SetScore(n, i, v, o.reasonRanked)
			} else {
				p.SetScore(n, i, v, o.reasonUnder)
			}
		}
	}
	if !anyStats {
		listed(n, p)
		p.Why = "no stats yet: listed order"
		return
	}
	// Unmeasured targets first (vLLora): one request each tells more
	// than any number of requests to the measured ones.
	base := len(p.Order)
	for i := range targets {
		if math.IsNaN(keys[i]) {
			p.Order = append(p.Order, i)
		}
	}
	start := len(p.Order)
	for i := range targets {
		if !math.IsNaN(keys[i]) {
			p.Order = append(p.Order, i)
		}
	}
	sortByKey(p.Order[start:], keys) // +Inf (no figure) last, in listed order
	p.Why = o.whyRanked
	if in.Rand == nil || o.explore <= 0 || len(p.Order)-base < 2 || in.Rand.Float64() >= o.explore {
		return
	}
	// Explore: the least-sampled of the others first (the earliest in
	// the order on a tie), so a target that fell behind is measured
	// again and is seen when it recovers.
	least := base + 1
	for k := base + 2; k < len(p.Order); k++ {
		if reqs[p.Order[k]] < reqs[p.Order[least]] {
			least = k
		}
	}
	i := p.Order[least]
	copy(p.Order[base+1:least+1], p.Order[base:least])
	p.Order[base] = i
	p.SetScore(n, i, float64(reqs[i]), o.reasonExplore)
	p.Why = o.whyExplore
}

// Thompson sampling. A target's figure is uncertain by how few requests
// it rests on; ranking every target by one random draw from that
// uncertainty sends each request to a target with the probability that it
// is the best. A target measured on a few requests still gets traffic
// while it might be best and stops as soon as it clearly is not, so the
// better target leads within a few dozen requests (docs/BENCHMARKS.md,
// "Adaptive routing"); two targets the figures cannot tell apart share
// traffic instead of every instance sending everything to whichever looks
// better by noise.
const (
	// drawSpread is the assumed spread of one request's latency, TTFT,
	// cost or tokens/s: log-normal sigma 0.5 (the middle 90% of requests
	// within 0.44x..2.3x the median), typical of LLM calls.
	drawSpread = 0.5
	// drawCap bounds the requests a figure is trusted on: past it the
	// draw stays about ±5%, so traffic keeps following a figure that
	// moves, and near-equal targets keep sharing.
	drawCap = 100
	// priorSuccess is the success rate a target is assumed to have before
	// it is measured.
	priorSuccess = 0.95
)

// draw returns a sort key (lower first) for a target whose figure v rests
// on st.Requests requests. Without Rand it is the figure itself.
func (o *Optimized) draw(r Rand, v float64, st TargetStats) float64 {
	n := float64(min(st.Requests, drawCap))
	z := 0.0
	if r != nil && o.metric.noise != noNoise {
		z = normal(r)
	}
	switch o.metric.noise {
	case proportion:
		// Success rate: a Beta posterior, drawn by its normal
		// approximation, from a prior worth two requests at 95%: a
		// provider usually answers, and a uniform prior (50%) would make
		// a target on its third success look worse than one that failed
		// once in ten. Both success_rate and error_rate rank by it.
		p := (st.SuccessRate*n + 2*priorSuccess) / (n + 2)
		return -(p + z*math.Sqrt(p*(1-p)/(n+2)))
	case logNormal:
		if v <= 0 {
			return math.Inf(1)
		}
		k := math.Log(v) + z*drawSpread/math.Sqrt(n)
		if o.metric.higherBetter {
			return -k
		}
		return k
	}
	if o.metric.higherBetter {
		return -v
	}
	return v
}

// normal is a standard normal draw (Box-Muller), from two uniform draws.
func normal(r Rand) float64 {
	u := 1 - r.Float64() // (0, 1]: the logarithm is finite
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.Float64())
}

// shortDuration prints 15m rather than 15m0s.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}
