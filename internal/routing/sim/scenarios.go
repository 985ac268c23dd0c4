package sim

import "github.com/switchyard-llm/switchyard/internal/config"

// base is an upstream that is neither better nor worse than another at
// anything: scenarios change the one figure their metric ranks by.
var base = Upstream{LatencyMs: 500, Success: 1, CostUSD: 0.002, TokensPerSec: 80}

// with returns base with the metric's figure set to v.
func with(metric string, v float64) Upstream {
	u := base
	switch metric {
	case "cost":
		u.CostUSD = v
	case "success_rate":
		u.Success = v
	case "throughput":
		u.TokensPerSec = v
	default:
		u.LatencyMs = v
	}
	return u
}

func ups(metric string, vs ...float64) []Upstream {
	out := make([]Upstream, len(vs))
	for i, v := range vs {
		out[i] = with(metric, v)
	}
	return out
}

// Learning are the standard scenarios, with the router's defaults
// (min_samples 10, explore 0.05, window 15m). The best target is twice as
// good as the next ("-close": 1.5 times as good; success rate 0.99 against
// 0.75, or 0.87 when close). In each, the better target
// is not listed first, so the listed order alone does not find it; except
// in the "-degrade" runs, where the best target is listed first (so every
// router starts on it) and turns worse than the other at request 201 of
// 400.
func Learning() []Scenario {
	type figs struct {
		metric        string
		good, bad, to float64 // to: what the good target degrades to
	}
	var out []Scenario
	for _, f := range []figs{
		{"latency", 400, 800, 1600},       // ms
		{"cost", 0.002, 0.004, 0.008},     // USD per request
		{"success_rate", 0.99, 0.75, 0.5}, // share of requests
		{"throughput", 100, 50, 25},       // tokens/s
	} {
		r := config.Router{Strategy: "optimized", Metric: f.metric}
		out = append(out,
			Scenario{Name: f.metric + "-2", Router: r, Upstreams: ups(f.metric, f.bad, f.good), Requests: 300},
			Scenario{Name: f.metric + "-4", Router: r, Requests: 300,
				Upstreams: ups(f.metric, f.bad, mid(f.bad, f.to), f.good, f.to)},
			Scenario{Name: f.metric + "-2-close", Router: r, Requests: 300, Upstreams: ups(f.metric, mid(f.good, f.bad), f.good)},
			Scenario{Name: f.metric + "-2-degrade", Router: r, Upstreams: ups(f.metric, f.good, f.bad), Requests: 400,
				DegradeAt: 201, Degraded: ups(f.metric, f.to, f.bad)},
		)
	}
	for i := range out {
		out[i].Local = Recent // the instance's own figures, as the engine blends them
	}
	return out
}

// mid is halfway between a and b.
func mid(a, b float64) float64 { return (a + b) / 2 }

// Herding are the standard multi-instance scenarios: 16 instances, 4
// identical targets, about 160 requests in flight, the shared snapshot
// refreshed every 5 s (50 steps of 100 ms).
func Herding() []Herd {
	return []Herd{
		{Name: "least_loaded", Router: config.Router{Strategy: "least_loaded"}},
		// References: what chance alone gives, and least_loaded when
		// every instance sees the store's counts at every step.
		{Name: "random (reference)", Router: config.Router{Strategy: "random"}},
		{Name: "least_loaded, fresh counts (reference)", Router: config.Router{Strategy: "least_loaded"}, RefreshEvery: 1},
		// One target three times slower: in-flight counts even out only
		// when the strategy steers by them.
		{Name: "least_loaded, one slow target", Router: config.Router{Strategy: "least_loaded"}, Slow: 3},
		{Name: "random, one slow target (reference)", Router: config.Router{Strategy: "random"}, Slow: 3},
		{Name: "optimized-latency", Router: config.Router{Strategy: "optimized", Metric: "latency", Window: config.Duration(5 * 60e9)}, Local: Recent},
	}
}
