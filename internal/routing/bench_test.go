package routing

import (
	"strconv"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
)

type benchCase struct {
	name   string
	s      Strategy
	in     *Input
	ts     []TargetInfo
	scores bool // fills Plan.Scores and Reasons
}

func mustBuild(t testing.TB, r *config.Router, ts []TargetInfo) Strategy {
	t.Helper()
	s, err := buildStrategy(r, ts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// benchCases are realistic routers: 4 targets (10 routes for conditional).
func benchCases(t testing.TB) []benchCase {
	ts := withWeights(models("a", "b", "c", "d"), 40, 30, 20, 10)
	regions := []string{"us-east-1", "eu-central-1", "ap-northeast-1", "us-west-2"}
	geoTs := append([]TargetInfo(nil), ts...)
	for i := range geoTs {
		geoTs[i].Region = regions[i]
	}
	vars := condition.MapVars{
		"user":     "user-12345",
		"metadata": map[string]any{"tier": "free", "team": "search"},
		"request":  map[string]any{"input_tokens": 1200.0, "has_tools": false},
		"geo":      map[string]any{"country": "DE"},
	}
	// Ten routes, the last one matching: the worst case for evaluation.
	cond := &config.Router{Strategy: "conditional", Default: someTargets}
	for i := range 9 {
		cond.Routes = append(cond.Routes, config.Route{
			Name:    "r" + strconv.Itoa(i),
			Targets: someTargets,
			When: map[string]any{"$and": []any{
				map[string]any{"metadata.tier": map[string]any{"$in": []any{"premium", "enterprise"}}},
				map[string]any{"request.input_tokens": map[string]any{"$gt": float64(1000 * i)}},
			}},
		})
	}
	cond.Routes = append(cond.Routes, config.Route{Name: "eu", Targets: someTargets,
		When: map[string]any{"geo.country": map[string]any{"$in": []any{"DE", "FR", "IT"}}, "request.has_tools": false}})
	stats := fakeStats{
		"p/a": {Requests: 100, LatencyAvgMs: 900}, "p/b": {Requests: 100, LatencyAvgMs: 400},
		"p/c": {Requests: 100, LatencyAvgMs: 600}, "p/d": {Requests: 3, LatencyAvgMs: 100},
	}
	rnd := seeded(1)
	// What the engine hands optimized: the shared stats with this
	// instance's own last requests blended in.
	recent := NewRecent()
	for i, k := range []string{"p/a", "p/b", "p/c"} {
		recent.Observe(k, t0, Observation{OK: true, Latency: time.Duration(300+100*i) * time.Millisecond, TokensOut: 200, Gen: time.Second, CostUSD: 0.001})
	}
	blended := &Blended{Shared: stats, Local: recent, Now: func() time.Time { return t0 }}
	return []benchCase{
		{"fallback", mustBuild(t, &config.Router{Strategy: "fallback"}, ts), &Input{}, ts, false},
		{"round_robin", mustBuild(t, &config.Router{Strategy: "round_robin"}, ts), &Input{}, ts, false},
		{"weighted", mustBuild(t, &config.Router{Strategy: "weighted"}, ts), &Input{}, ts, false},
		{"percentage", mustBuild(t, &config.Router{Strategy: "percentage"}, ts), &Input{Rand: rnd}, ts, false},
		{"percentage_sticky", mustBuild(t, &config.Router{Strategy: "percentage", Sticky: "user"}, ts), &Input{Vars: vars, Rand: rnd}, ts, false},
		{"conditional_10_routes", mustBuild(t, cond, conditionalTargets(cond)), &Input{Vars: vars}, conditionalTargets(cond), true},
		{"optimized", mustBuild(t, &config.Router{Strategy: "optimized"}, ts), &Input{Stats: stats, Rand: rnd}, ts, true},
		{"optimized_blended", mustBuild(t, &config.Router{Strategy: "optimized"}, ts), &Input{Stats: blended, Rand: rnd}, ts, true},
		{"latency", mustBuild(t, &config.Router{Strategy: "latency"}, ts), &Input{Stats: stats, Rand: rnd}, ts, true},
		{"least_loaded", mustBuild(t, &config.Router{Strategy: "least_loaded"}, ts), &Input{Load: fakeLoad{"p/a": 3, "p/b": 1}, Rand: rnd}, ts, true},
		{"cost", mustBuild(t, &config.Router{Strategy: "cost", MaxCostUSD: 0.02}, ts), &Input{Costs: fakeCosts{"p/a": 0.03, "p/b": 0.01, "p/c": 0.002}}, ts, true},
		{"geo", mustBuild(t, &config.Router{Strategy: "geo"}, geoTs), &Input{Caller: Location{Country: "FR"}}, geoTs, true},
	}
}

// BenchmarkStrategies measures one decision per strategy, reusing a Plan
// as the engine does. Goals: < 1 µs and 0 allocs for fallback,
// round_robin, weighted and percentage; < 5 µs for a 10-route conditional.
func BenchmarkStrategies(b *testing.B) {
	for _, bc := range benchCases(b) {
		b.Run(bc.name, func(b *testing.B) {
			p := Plan{Order: make([]int, 0, 16), Scores: make([]float64, 0, 16), Reasons: make([]string, 0, 16)}
			b.ReportAllocs()
			for b.Loop() {
				p.Reset()
				bc.s.Order(bc.in, bc.ts, &p)
			}
		})
	}
}
