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

// rankStats: a, b, c have enough samples; d is under-sampled but would be
// best at everything, so any leak of its figures into the ranking shows.
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
		{"", "b c a d"}, // latency by default
		{"latency", "b c a d"},
		{"ttft", "c a b d"},
		{"cost", "b a c d"},
		{"success_rate", "a c b d"},
		{"error_rate", "a c b d"},
		{"throughput", "b c a d"},
		{"tps", "b c a d"},
		{"requests", "c a b d"},
	}
	for _, tt := range tests {
		t.Run("metric="+tt.metric, func(t *testing.T) {
			o := mustOptimized(t, config.Router{Metric: tt.metric}, ts)
			// No Rand: never explores.
			p := order(o, &Input{Stats: rankStats}, ts)
			if got := names(ts, p); got != tt.want {
				t.Errorf("order %q, want %q", got, tt.want)
			}
			if p.Why != o.whyRanked {
				t.Errorf("Why = %q", p.Why)
			}
			if len(p.Scores) != 4 || p.Reasons[0] != o.reasonRanked || p.Reasons[3] != o.reasonUnder || p.Scores[3] != 5 {
				t.Errorf("scores %v reasons %q", p.Scores, p.Reasons)
			}
		})
	}
}

func TestOptimizedUnderSampled(t *testing.T) {
	ts := models("a", "b", "c", "d", "e")
	stats := fakeStats{
		"p/a": {Requests: 3, LatencyAvgMs: 100},   // below min_samples
		"p/b": {Requests: 40, LatencyAvgMs: 800},  // ranked
		"p/c": {Requests: 40, LatencyAvgMs: 0},    // no latency figure
		"p/e": {Requests: 40, LatencyAvgMs: 700},  // ranked
		"p/d": {Requests: 10, LatencyAvgMs: 1000}, // exactly min_samples: ranked
	}
	o := mustOptimized(t, config.Router{}, ts)
	p := order(o, &Input{Stats: stats}, ts)
	if got, want := names(ts, p), "e b d a c"; got != want {
		t.Errorf("order %q, want %q (ranked best first, then under-sampled in listed order)", got, want)
	}
	t.Run("ties keep listed order", func(t *testing.T) {
		tie := fakeStats{"p/a": {Requests: 20, LatencyAvgMs: 5}, "p/b": {Requests: 20, LatencyAvgMs: 5}, "p/c": {Requests: 20, LatencyAvgMs: 5}}
		ts := models("a", "b", "c")
		if got := names(ts, order(o, &Input{Stats: tie}, ts)); got != "a b c" {
			t.Errorf("order %q, want a b c", got)
		}
	})
	t.Run("min_samples", func(t *testing.T) {
		o := mustOptimized(t, config.Router{MinSamples: 1}, ts)
		if got, want := names(ts, order(o, &Input{Stats: stats}, ts)), "a e b d c"; got != want {
			t.Errorf("order %q, want %q", got, want)
		}
	})
}

func TestOptimizedExplores(t *testing.T) {
	const draws = 100_000
	ts := models("a", "b", "c", "d")
	stats := fakeStats{
		"p/a": {Requests: 50, LatencyAvgMs: 500},
		"p/b": {Requests: 50, LatencyAvgMs: 300},
		"p/c": {Requests: 4, LatencyAvgMs: 10},
		"p/d": {Requests: 1, LatencyAvgMs: 10}, // least sampled
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
				switch got := names(ts, &p); got {
				case "d b a c":
					explored++
					if p.Why != o.whyExplore || p.Reasons[3] != o.reasonExplore {
						t.Fatalf("explored without saying so: %q %q", p.Why, p.Reasons)
					}
				case "b a c d":
				default:
					t.Fatalf("order %q, want b a c d or d b a c", got)
				}
			}
			if got := float64(explored) / draws; math.Abs(got-want) > 0.005 {
				t.Errorf("explored %.4f of requests, want %.3f ± 0.005", got, want)
			}
		})
	}
	t.Run("nothing under-sampled: no exploring", func(t *testing.T) {
		o := mustOptimized(t, config.Router{Explore: ptrF(1)}, ts)
		full := fakeStats{"p/a": {Requests: 50, LatencyAvgMs: 5}, "p/b": {Requests: 50, LatencyAvgMs: 3}, "p/c": {Requests: 50, LatencyAvgMs: 4}, "p/d": {Requests: 50, LatencyAvgMs: 1}}
		if got := names(ts, order(o, &Input{Stats: full, Rand: seeded(1)}, ts)); got != "d b c a" {
			t.Errorf("order %q, want d b c a", got)
		}
	})
	t.Run("all under-sampled: least-sampled explored, else listed", func(t *testing.T) {
		o := mustOptimized(t, config.Router{Explore: ptrF(1)}, ts)
		few := fakeStats{"p/a": {Requests: 3}, "p/b": {Requests: 2}, "p/c": {Requests: 1}, "p/d": {Requests: 1}}
		if got := names(ts, order(o, &Input{Stats: few, Rand: seeded(1)}, ts)); got != "c a b d" {
			t.Errorf("order %q, want c a b d", got)
		}
		if got := names(ts, order(o, &Input{Stats: few}, ts)); got != "a b c d" {
			t.Errorf("without Rand: order %q, want a b c d", got)
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
	if got := names(ts, order(s, &Input{Stats: rankStats}, ts)); got != "b c a d" {
		t.Errorf("order %q, want b c a d", got)
	}
}

func ptrF(f float64) *float64 { return &f }
