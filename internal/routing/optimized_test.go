package routing

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func mustOptimized(t testing.TB, r config.Router, ts []TargetInfo) *Optimized {
	t.Helper()
	o, err := NewOptimized(&r, ts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// rankStats: a, b, c have enough samples; d is under-sampled but best at
// everything (except requests), so it is ranked by its figure, not put
// last: five requests at 10 ms are evidence enough against 400 ms.
var rankStats = fakeStats{
	"p/a": {Requests: 100, SuccessRate: 0.99, LatencyAvgMs: 900, TTFTMs: 300, TokensPerSec: 50, CostUSD: 0.002},
	"p/b": {Requests: 50, SuccessRate: 0.90, LatencyAvgMs: 400, TTFTMs: 500, TokensPerSec: 120, CostUSD: 0.001},
	"p/c": {Requests: 200, SuccessRate: 0.95, LatencyAvgMs: 600, TTFTMs: 200, TokensPerSec: 80, CostUSD: 0.004},
	"p/d": {Requests: 5, SuccessRate: 1, LatencyAvgMs: 10, TTFTMs: 5, TokensPerSec: 900, CostUSD: 0.0001},
}

func TestOptimizedRanksByMetric(t *testing.T) {
	ts := models("a", "b", "c", "d")
	tests := []struct {
		metric string
		want   string
	}{
		{"", "d b c a"}, // latency by default
		{"latency", "d b c a"},
		{"ttft", "d c a b"},
		{"cost", "d b a c"},
		// Success rates are smoothed by a prior worth two requests at
		// 95%: d's 5 of 5 (0.986) ranks below a's 99 of 100 (0.989).
		{"success_rate", "a d c b"},
		{"error_rate", "a d c b"},
		{"throughput", "d b c a"},
		{"tps", "d b c a"},
		{"requests", "c a b d"},
	}
	for _, tt := range tests {
		t.Run("metric="+tt.metric, func(t *testing.T) {
			o := mustOptimized(t, config.Router{Metric: tt.metric}, ts)
			// No Rand: no draw, no exploring; ranked by the figures.
			p := order(o, &Input{Stats: rankStats}, ts)
			if got := names(ts, p); got != tt.want {
				t.Errorf("order %q, want %q", got, tt.want)
			}
			if p.Why != o.whyRanked {
				t.Errorf("Why = %q", p.Why)
			}
			want, _ := o.metric.value(rankStats["p/d"])
			if len(p.Scores) != 4 || p.Reasons[0] != o.reasonRanked || p.Reasons[3] != o.reasonUnder || p.Scores[3] != want {
				t.Errorf("scores %v reasons %q", p.Scores, p.Reasons)
			}
		})
	}
}

func TestOptimizedUnmeasuredFirstNoFigureLast(t *testing.T) {
	ts := models("a", "b", "c", "d", "e", "f")
	stats := fakeStats{
		"p/a": {Requests: 3, LatencyAvgMs: 100},   // under-sampled: ranked by its figure
		"p/b": {Requests: 40, LatencyAvgMs: 800},  // ranked
		"p/c": {Requests: 40, LatencyAvgMs: 0},    // requests but no latency figure: last
		"p/e": {Requests: 40, LatencyAvgMs: 700},  // ranked
		"p/d": {Requests: 10, LatencyAvgMs: 1000}, // ranked
		// f: no stats at all: unmeasured, tried first
	}
	o := mustOptimized(t, config.Router{}, ts)
	p := order(o, &Input{Stats: stats}, ts)
	if got, want := names(ts, p), "f a e b d c"; got != want {
		t.Errorf("order %q, want %q (unmeasured, ranked best first, no figure)", got, want)
	}
	if p.Reasons[5] != o.reasonUnmeasured || p.Reasons[2] != o.reasonNoFigure || p.Scores[2] != 40 {
		t.Errorf("reasons %q scores %v", p.Reasons, p.Scores)
	}
	t.Run("unmeasured keep listed order", func(t *testing.T) {
		ts := models("a", "b", "c")
		o := mustOptimized(t, config.Router{Explore: ptrF(0)}, ts)
		if got := names(ts, order(o, &Input{Stats: fakeStats{"p/b": {Requests: 20, LatencyAvgMs: 5}}, Rand: seeded(1)}, ts)); got != "a c b" {
			t.Errorf("order %q, want a c b", got)
		}
	})
	t.Run("ties keep listed order", func(t *testing.T) {
		tie := fakeStats{"p/a": {Requests: 20, LatencyAvgMs: 5}, "p/b": {Requests: 20, LatencyAvgMs: 5}, "p/c": {Requests: 20, LatencyAvgMs: 5}}
		ts := models("a", "b", "c")
		if got := names(ts, order(o, &Input{Stats: tie}, ts)); got != "a b c" {
			t.Errorf("order %q, want a b c", got)
		}
	})
}

// TestOptimizedThompson: each request goes first to a target with about
// the probability that it is the best. Clearly worse targets get almost
// nothing; targets the figures cannot tell apart share.
func TestOptimizedThompson(t *testing.T) {
	const draws = 20_000
	ts := models("a", "b")
	tests := []struct {
		name   string
		metric string
		a, b   TargetStats
		lo, hi float64 // bounds on a's share of first places
	}{
		{"twice as slow, well measured", "latency", TargetStats{Requests: 50, LatencyAvgMs: 800}, TargetStats{Requests: 50, LatencyAvgMs: 400}, 0, 0.001},
		{"twice as slow, 3 requests each", "latency", TargetStats{Requests: 3, LatencyAvgMs: 800}, TargetStats{Requests: 3, LatencyAvgMs: 400}, 0.01, 0.10},
		{"5% apart, well measured", "latency", TargetStats{Requests: 500, LatencyAvgMs: 420}, TargetStats{Requests: 500, LatencyAvgMs: 400}, 0.2, 0.5},
		{"equal", "throughput", TargetStats{Requests: 80, TokensPerSec: 90}, TargetStats{Requests: 80, TokensPerSec: 90}, 0.47, 0.53},
		{"success 75% vs 99%", "success_rate", TargetStats{Requests: 30, SuccessRate: 0.75}, TargetStats{Requests: 30, SuccessRate: 0.99}, 0, 0.02},
		{"success, 2 requests each", "success_rate", TargetStats{Requests: 2, SuccessRate: 0.5}, TargetStats{Requests: 2, SuccessRate: 1}, 0.05, 0.35},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mustOptimized(t, config.Router{Metric: tt.metric, Explore: ptrF(0)}, ts)
			in := &Input{Stats: fakeStats{"p/a": tt.a, "p/b": tt.b}, Rand: seeded(3)}
			first := 0
			var p Plan
			for range draws {
				p.Reset()
				o.Order(in, ts, &p)
				if p.Order[0] == 0 {
					first++
				}
			}
			if got := float64(first) / draws; got < tt.lo || got > tt.hi {
				t.Errorf("a first in %.4f of requests, want %v..%v", got, tt.lo, tt.hi)
			}
		})
	}
}

func TestOptimizedExplores(t *testing.T) {
	const draws = 100_000
	ts := models("a", "b", "c", "d")
	// b is far the best; c the least sampled of the others, and too slow
	// to come first by a draw: c first means explored.
	stats := fakeStats{
		"p/a": {Requests: 50, LatencyAvgMs: 500},
		"p/b": {Requests: 50, LatencyAvgMs: 300},
		"p/c": {Requests: 20, LatencyAvgMs: 600},
		"p/d": {Requests: 40, LatencyAvgMs: 550},
	}
	for _, explore := range []float64{-1, 0, 0.2, 1} { // -1: unset
		want := explore
		var set *float64
		if explore == -1 {
			want = DefaultExplore
		} else {
			set = ptrF(explore)
		}
		t.Run("explore="+strconv.FormatFloat(explore, 'g', -1, 64), func(t *testing.T) {
			o := mustOptimized(t, config.Router{Explore: set}, ts)
			in := &Input{Stats: stats, Rand: seeded(7)}
			explored := 0
			var p Plan
			for range draws {
				p.Reset()
				o.Order(in, ts, &p)
				switch ts[p.Order[0]].Name {
				case "c":
					explored++
					if p.Why != o.whyExplore || p.Reasons[2] != o.reasonExplore || p.Order[1] != 1 {
						t.Fatalf("explored without saying so, or lost the best as first fallback: %q %q %v", p.Why, p.Reasons, p.Order)
					}
				case "b":
				default:
					t.Fatalf("order %q, want b or c first", names(ts, &p))
				}
			}
			if got := float64(explored) / draws; math.Abs(got-want) > 0.005 {
				t.Errorf("explored %.4f of requests, want %.3f ± 0.005", got, want)
			}
		})
	}
	t.Run("one target: nothing to explore", func(t *testing.T) {
		o := mustOptimized(t, config.Router{Explore: ptrF(1)}, ts)
		one := models("a")
		if p := order(o, &Input{Stats: stats, Rand: seeded(1)}, one); names(one, p) != "a" || p.Why != o.whyRanked {
			t.Errorf("order %q why %q", names(one, p), p.Why)
		}
	})
	t.Run("without Rand: never explores", func(t *testing.T) {
		o := mustOptimized(t, config.Router{Explore: ptrF(1)}, ts)
		if got := names(ts, order(o, &Input{Stats: stats}, ts)); got != "b a d c" {
			t.Errorf("order %q, want b a d c", got)
		}
	})
}

func TestOptimizedWithoutStats(t *testing.T) {
	ts := models("a", "b", "c")
	o := mustOptimized(t, config.Router{Explore: ptrF(1)}, ts)
	tests := []struct {
		name string
		in   *Input
		why  string
	}{
		{"nil input", nil, "no stats: listed order"},
		{"nil stats", &Input{Rand: seeded(1)}, "no stats: listed order"},
		{"empty stats", &Input{Stats: fakeStats{}, Rand: seeded(1)}, "no stats yet: listed order"},
		{"zero requests", &Input{Stats: fakeStats{"p/b": {}}, Rand: seeded(1)}, "no stats yet: listed order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := order(o, tt.in, ts)
			if got := names(ts, p); got != "a b c" || p.Why != tt.why {
				t.Errorf("order %q why %q, want a b c, %q", got, p.Why, tt.why)
			}
		})
	}
}

func TestOptimizedWindow(t *testing.T) {
	ts := models("a")
	for _, tt := range []struct {
		set, want time.Duration
	}{{0, 15 * time.Minute}, {5 * time.Minute, 5 * time.Minute}, {time.Hour, time.Hour}, {24 * time.Hour, 24 * time.Hour}} {
		var asked time.Duration
		o := mustOptimized(t, config.Router{Window: config.Duration(tt.set)}, ts)
		order(o, &Input{Stats: windowStats{fakeStats{}, &asked}}, ts)
		if asked != tt.want {
			t.Errorf("window %v: stats asked for %v, want %v", tt.set, asked, tt.want)
		}
	}
}

func TestOptimizedValidation(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		r        config.Router
		wantErr  string
	}{
		{"defaults", "optimized", config.Router{}, ""},
		{"every field", "optimized", config.Router{Metric: "tps", Window: config.Duration(time.Hour), MinSamples: 3, Explore: ptrF(1)}, ""},
		{"unknown metric", "optimized", config.Router{Metric: "speed"}, `metric: must be one of latency, ttft, cost, success_rate, throughput (vLLora: tps, error_rate, requests), not "speed"`},
		{"odd window", "optimized", config.Router{Window: config.Duration(10 * time.Minute)}, "window: must be 5m, 15m, 1h or 24h (the windows stats are kept for), not 10m0s"},
		{"negative window", "optimized", config.Router{Window: config.Duration(-time.Hour)}, "window: must be 5m, 15m, 1h or 24h"},
		{"negative min_samples", "optimized", config.Router{MinSamples: -1}, "min_samples: must be >= 0, not -1"},
		{"explore > 1", "optimized", config.Router{Explore: ptrF(1.5)}, "explore: must be between 0 and 1, not 1.5"},
		{"explore < 0", "optimized", config.Router{Explore: ptrF(-0.1)}, "explore: must be between 0 and 1"},
		{"explore NaN", "optimized", config.Router{Explore: ptrF(math.NaN())}, "explore: must be between 0 and 1"},
		{"latency", "latency", config.Router{Window: config.Duration(5 * time.Minute)}, ""},
		{"latency, metric latency", "latency", config.Router{Metric: "latency"}, ""},
		{"latency, other metric", "latency", config.Router{Metric: "ttft"}, `metric: the latency strategy ranks by latency; use strategy optimized for metric "ttft"`},
		{"latency, odd window", "latency", config.Router{Window: config.Duration(time.Minute)}, "window: must be"},
		{"foreign field", "optimized", config.Router{MaxCostUSD: 1}, `max_cost_usd: does not apply to strategy "optimized"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Strategy = tt.strategy
			_, err := buildStrategy(&tt.r, models("a", "b"))
			wantErr(t, err, tt.wantErr)
		})
	}
}

func TestLatencyStrategy(t *testing.T) {
	ts := models("a", "b", "c", "d")
	s, err := buildStrategy(&config.Router{Strategy: "latency"}, ts)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ts, order(s, &Input{Stats: rankStats}, ts)); got != "d b c a" {
		t.Errorf("order %q, want d b c a", got)
	}
}

func ptrF(f float64) *float64 { return &f }
