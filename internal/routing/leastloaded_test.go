package routing

import (
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func TestLeastLoaded(t *testing.T) {
	ts := models("a", "b", "c", "d")
	tests := []struct {
		name string
		load fakeLoad
		want []string // successive requests
	}{
		{"fewest first", fakeLoad{"p/a": 5, "p/b": 2, "p/c": 9, "p/d": 3}, []string{"b d a c", "b d a c"}},
		{"ties rotate", fakeLoad{"p/a": 1, "p/b": 0, "p/c": 1, "p/d": 0},
			[]string{"b d a c", "b d c a", "d b c a", "d b a c", "b d a c"}},
		{"all idle: round robin", fakeLoad{}, []string{"a b c d", "b c d a", "c d a b", "d a b c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := NewLeastLoaded(nil, ts)
			for i, w := range tt.want {
				p := order(l, &Input{Load: tt.load}, ts)
				if got := names(ts, p); got != w {
					t.Errorf("request %d: order %q, want %q", i, got, w)
				}
				if p.Scores[0] != float64(tt.load["p/a"]) {
					t.Errorf("score of a = %v, want its load", p.Scores[0])
				}
			}
		})
	}
	t.Run("no load figures: listed order", func(t *testing.T) {
		l, _ := NewLeastLoaded(nil, ts)
		for _, in := range []*Input{nil, {}} {
			if got := names(ts, order(l, in, ts)); got != "a b c d" {
				t.Errorf("order %q, want a b c d", got)
			}
		}
	})
}

// TestLeastLoadedRouterTargets: a router target's load is the sum of the
// models under it, so least_loaded can balance between sub-routers.
func TestLeastLoadedRouterTargets(t *testing.T) {
	cfg, err := config.Parse([]byte(`
providers: {p: {type: mock}}
routers:
  east: {strategy: fallback, targets: [{model: p/e1}, {model: p/e2}]}
  west: {strategy: fallback, targets: [{model: p/w1}, {model: p/w2}]}
  ll: {strategy: least_loaded, targets: [{router: east}, {router: west}, {strategy: fallback, targets: [p/i1]}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewCompiler(cfg).Named("ll")
	if err != nil {
		t.Fatal(err)
	}
	load := fakeLoad{"p/e1": 2, "p/e2": 1, "p/w1": 1, "p/i1": 4}
	var p Plan
	r.Strategy.Order(&Input{Load: load}, r.Targets, &p)
	if got := names(r.Targets, &p); got != "router/west router/east inline#2" {
		t.Errorf("order %q, want west (1 in flight) before east (3) and the inline router (4)", got)
	}
	if p.Scores[0] != 3 || p.Scores[1] != 1 || p.Scores[2] != 4 {
		t.Errorf("scores %v, want the summed loads 3, 1, 4", p.Scores)
	}
}
