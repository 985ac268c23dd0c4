package routing

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// Optimized ranks targets best-first by a rolling metric.
//
// A target with at least min_samples requests in the window (and a figure
// for the metric) is ranked. The others are under-sampled: their figures
// are not trusted, so they follow the ranked targets in listed order. So
// that an under-sampled target still gets measured, with probability
// explore the least-sampled under-sampled target is tried first. A ranked
// target that falls behind gets little traffic, its figures age out of the
// window, it becomes under-sampled and exploration measures it again: no
// target is judged on stale figures for long. Unlike vLLora, an unmeasured
// target is never preferred just for being unmeasured.
//
// With no Stats, or no figures for any target, the order is the listed one.
type Optimized struct {
	metric     metric
	window     time.Duration
	minSamples int64
	explore    float64

	reasonRanked, reasonUnder, reasonExplore string
	whyRanked, whyExplore                    string
}

var _ Strategy = (*Optimized)(nil)

// metric reads one figure from a target's stats. ok is false when the
// stats carry no figure for it (a latency of 0 was never measured).
type metric struct {
	name         string
	unit         string
	higherBetter bool
	value        func(TargetStats) (v float64, ok bool)
}

// metrics are optimized's metrics by name, vLLora's spellings included:
// tps is throughput; error_rate ranks as success_rate does but shows the
// error rate; requests (vLLora's "most used") puts the most-requested first.
var metrics = map[string]metric{
	"latency":      {"latency", "average ms", false, func(s TargetStats) (float64, bool) { return s.LatencyAvgMs, s.LatencyAvgMs > 0 }},
	"ttft":         {"ttft", "average ms to first token", false, func(s TargetStats) (float64, bool) { return s.TTFTMs, s.TTFTMs > 0 }},
	"cost":         {"cost", "average USD per request", false, func(s TargetStats) (float64, bool) { return s.CostUSD, s.CostUSD > 0 }},
	"success_rate": {"success_rate", "share of requests", true, func(s TargetStats) (float64, bool) { return s.SuccessRate, true }},
	"error_rate":   {"error_rate", "share of requests", false, func(s TargetStats) (float64, bool) { return 1 - s.SuccessRate, true }},
	"throughput":   {"throughput", "output tokens/s", true, func(s TargetStats) (float64, bool) { return s.TokensPerSec, true }},
	"tps":          {"tps", "output tokens/s", true, func(s TargetStats) (float64, bool) { return s.TokensPerSec, true }},
	"requests":     {"requests", "requests", true, func(s TargetStats) (float64, bool) { return float64(s.Requests), true }},
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
	o.reasonRanked = m.name + " (" + m.unit + ") over " + win + ", " + better + " is better"
	o.reasonUnder = "under-sampled: fewer than " + minS + " requests with a " + m.name + " figure in " + win + "; score is the request count"
	o.reasonExplore = "explored: the least-sampled under-sampled target, tried first; score is the request count"
	o.whyRanked = "best " + m.name + " over " + win + " first; under-sampled targets after, in listed order"
	o.whyExplore = "exploring (p=" + strconv.FormatFloat(o.explore, 'g', -1, 64) + "): least-sampled target first, then best " + m.name + " over " + win
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

// Order ranks measured targets best first, then the under-sampled ones.
func (o *Optimized) Order(in *Input, targets []TargetInfo, p *Plan) {
	n := len(targets)
	if in == nil || in.Stats == nil {
		listed(n, p)
		p.Why = "no stats: listed order"
		return
	}
	// keys[i] is the sort key of a ranked target (negated when higher is
	// better) and NaN for an under-sampled one; reqs[i] its request count.
	var keyBuf [scratchSize]float64
	var reqBuf [scratchSize]int64
	keys, reqs := keyBuf[:0], reqBuf[:0]
	if n > scratchSize {
		keys, reqs = make([]float64, 0, n), make([]int64, 0, n)
	}
	anyStats := false
	least := -1
	for i, t := range targets {
		st, ok := in.Stats.TargetStats(t.Key, o.window)
		if !ok {
			st = TargetStats{}
		}
		anyStats = anyStats || st.Requests > 0
		v, vok := o.metric.value(st)
		if st.Requests >= o.minSamples && vok && !math.IsNaN(v) {
			if o.metric.higherBetter {
				keys = append(keys, -v)
			} else {
				keys = append(keys, v)
			}
			reqs = append(reqs, st.Requests)
			p.SetScore(n, i, v, o.reasonRanked)
			continue
		}
		keys = append(keys, math.NaN())
		reqs = append(reqs, st.Requests)
		p.SetScore(n, i, float64(st.Requests), o.reasonUnder)
		if least < 0 || st.Requests < reqs[least] {
			least = i
		}
	}
	if !anyStats {
		listed(n, p)
		p.Why = "no stats yet: listed order"
		return
	}

	why := o.whyRanked
	if least >= 0 && in.Rand != nil && in.Rand.Float64() < o.explore {
		p.Order = append(p.Order, least)
		p.SetScore(n, least, float64(reqs[least]), o.reasonExplore)
		why = o.whyExplore
	} else {
		least = -1
	}
	start := len(p.Order)
	for i := range targets {
		if !math.IsNaN(keys[i]) {
			p.Order = append(p.Order, i)
		}
	}
	sortByKey(p.Order[start:], keys)
	for i := range targets {
		if math.IsNaN(keys[i]) && i != least {
			p.Order = append(p.Order, i)
		}
	}
	p.Why = why
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
