package routing

import (
	"slices"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
)

func TestStrategiesRegistered(t *testing.T) {
	want := []string{"a_b_testing", "conditional", "cost", "fallback", "geo", "latency", "least_loaded",
		"optimized", "percentage", "random", "round_robin", "weighted"}
	if got := Strategies(); !slices.Equal(got, want) {
		t.Errorf("Strategies() = %v\nwant %v", got, want)
	}
}

// TestBuildEveryStrategy builds each strategy through buildStrategy with a
// valid router and runs one decision with every Input field nil.
func TestBuildEveryStrategy(t *testing.T) {
	ts := withWeights(models("a", "b"), 1, 2)
	for _, name := range Strategies() {
		t.Run(name, func(t *testing.T) {
			r := &config.Router{Strategy: name}
			targets := ts
			if name == "conditional" {
				r.Routes = []config.Route{{Name: "x", When: map[string]any{"user": "u"}, Targets: someTargets}}
				r.Default = someTargets
				targets = conditionalTargets(r)
			}
			s, err := buildStrategy(r, targets)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range []*Input{nil, {}} {
				p := order(s, in, targets)
				want := []int{0, 1} // every target (rotating strategies may start anywhere)
				if name == "conditional" {
					want = []int{1} // no variables: the default
				}
				got := slices.Sorted(slices.Values(p.Order))
				if !slices.Equal(got, want) {
					t.Errorf("with no input: order %v, want a permutation of %v", p.Order, want)
				}
			}
		})
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name    string
		r       config.Router
		wantErr string
	}{
		{"unknown strategy", config.Router{Strategy: "round-robin"}, `unknown strategy "round-robin" (supported: [a_b_testing conditional`},
		{"routes on percentage", config.Router{Strategy: "percentage", Routes: []config.Route{{Name: "x"}}}, `routes: does not apply to strategy "percentage"`},
		{"default on fallback", config.Router{Strategy: "fallback", Default: someTargets}, `default: does not apply to strategy "fallback"`},
		{"sticky on weighted", config.Router{Strategy: "weighted", Sticky: "user"}, `sticky: does not apply to strategy "weighted"`},
		{"metric on round_robin", config.Router{Strategy: "round_robin", Metric: "latency"}, `metric: does not apply to strategy "round_robin"`},
		{"window on least_loaded", config.Router{Strategy: "least_loaded", Window: 1}, `window: does not apply to strategy "least_loaded"`},
		{"min_samples on cost", config.Router{Strategy: "cost", MinSamples: 3}, `min_samples: does not apply to strategy "cost"`},
		{"explore on geo", config.Router{Strategy: "geo", Explore: ptrF(0.1)}, `explore: does not apply to strategy "geo"`},
		{"max_cost_usd on percentage", config.Router{Strategy: "percentage", MaxCostUSD: 1}, `max_cost_usd: does not apply to strategy "percentage"`},
		{"vLLora a_b_testing validates weights", config.Router{Strategy: "a_b_testing"}, "targets[0].weight: must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildStrategy(&tt.r, models("a", "b"))
			wantErr(t, err, tt.wantErr)
		})
	}
}

// TestCompileErrorsNameTheRouter checks that tree.go puts the router's path
// in front of a strategy's error.
func TestCompileErrorsNameTheRouter(t *testing.T) {
	cfg := &config.Config{
		Providers: map[string]config.Provider{"p": {Type: "mock"}, "far": {Type: "mock", Region: "on-prem"}},
		Routers: map[string]*config.Router{
			"ab":  {Strategy: "percentage", Targets: []config.Target{{Model: "p/a", Weight: 70}, {Model: "p/b"}}},
			"geo": {Strategy: "geo", Targets: []config.Target{{Model: "p/a", Region: "eu-west-1"}, {Model: "far/b"}}},
			"nested": {Strategy: "fallback", Targets: []config.Target{{Inline: &config.Router{
				Strategy: "optimized", Metric: "vibes", Targets: []config.Target{{Model: "p/a"}},
			}}}},
		},
	}
	for name, want := range map[string]string{
		"ab":     "routers.ab.targets[1].weight: must be > 0, or 0 to drain the target (got 0)",
		"geo":    `routers.geo.targets[1]: its provider's region "on-prem"`,
		"nested": `routers.nested.targets[0].metric: must be one of`,
	} {
		_, err := NewCompiler(cfg).Named(name)
		wantErr(t, err, want)
	}
}

// TestDecisionsDoNotAllocate guards the hot path of the strategies the
// engine runs on every request, with a Plan reused as the engine does.
func TestDecisionsDoNotAllocate(t *testing.T) {
	for _, bc := range benchCases(t) {
		t.Run(bc.name, func(t *testing.T) {
			if bc.scores && raceEnabled {
				// Under -race, Plan.SetScore's append(s, make(...)...)
				// allocates even when s has room; only a normal run can tell.
				return
			}
			p := Plan{Order: make([]int, 0, 16), Scores: make([]float64, 0, 16), Reasons: make([]string, 0, 16)}
			if allocs := testing.AllocsPerRun(200, func() {
				p.Reset()
				bc.s.Order(bc.in, bc.ts, &p)
			}); allocs != 0 {
				t.Errorf("%v allocations per decision, want 0", allocs)
			}
		})
	}
}

var _ condition.Vars = condition.MapVars(nil)

// TestWeightsReadBySameStrategiesAsConfig: config.ReadsWeights (used when
// decoding, to refuse an explicit zero weight) and the strategies that
// really read weights agree, so a new strategy or alias cannot read
// weights that config lets through unchecked.
func TestWeightsReadBySameStrategiesAsConfig(t *testing.T) {
	infos := func(w float64) []TargetInfo {
		return []TargetInfo{{Key: "p/a", Name: "a", Weight: w, Leaf: true}, {Key: "p/b", Name: "b", Weight: w, Leaf: true}}
	}
	for _, name := range Strategies() {
		if name == "conditional" {
			continue // routes, not weighted targets
		}
		t.Run(name, func(t *testing.T) {
			r := &config.Router{Strategy: name}
			if _, err := buildStrategy(r, infos(1)); err != nil {
				t.Fatalf("weights 1: %v", err)
			}
			_, err := buildStrategy(r, infos(-1))
			if rejects := err != nil; rejects != config.ReadsWeights(name) {
				t.Errorf("%s rejects a negative weight: %v; config.ReadsWeights says %v", name, rejects, config.ReadsWeights(name))
			}
		})
	}
}
