package routing

import (
	"math"
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

// TestLeastLoadedTwoChoices: with Rand, the first target is the less
// loaded of two drawn at random — an idle one always, a busy one with
// probability (other+1)/(both+2) — so
// instances acting on the same stale counts do not all pick the same
// target; the fallbacks follow in ascending load.
func TestLeastLoadedTwoChoices(t *testing.T) {
	const draws = 40_000
	ts := models("a", "b", "c", "d")
	tests := []struct {
		name string
		load fakeLoad
		want [4]float64 // expected share of first places
	}{
		// Equal loads: round robin, so an even split.
		{"equal", fakeLoad{"p/a": 10, "p/b": 10, "p/c": 10, "p/d": 10}, [4]float64{0.25, 0.25, 0.25, 0.25}},
		// a and b idle, c and d busy: an idle target wins every pair it
		// is in (5 of 6 pairs); a tie keeps the first drawn.
		{"pairs", fakeLoad{"p/c": 20, "p/d": 20}, [4]float64{5.0 / 12, 5.0 / 12, 1.0 / 12, 1.0 / 12}},
		// a idle: it wins every pair it is in (half of them).
		{"one idle", fakeLoad{"p/b": 100, "p/c": 100, "p/d": 100}, [4]float64{0.5, 1.0 / 6, 1.0 / 6, 1.0 / 6}},
		// All busy: a (10) beats a 30 with probability 31/42.
		{"busy", fakeLoad{"p/a": 10, "p/b": 30, "p/c": 30, "p/d": 30},
			[4]float64{0.5 * 31 / 42, (11.0/42)/6 + 1.0/6, (11.0/42)/6 + 1.0/6, (11.0/42)/6 + 1.0/6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := NewLeastLoaded(nil, ts)
			in := &Input{Load: tt.load, Rand: seeded(5)}
			var got [4]float64
			var p Plan
			for range draws {
				p.Reset()
				l.Order(in, ts, &p)
				got[p.Order[0]] += 1.0 / draws
				for k := 2; k < len(p.Order); k++ {
					if tt.load[ts[p.Order[k]].Key] < tt.load[ts[p.Order[k-1]].Key] {
						t.Fatalf("fallbacks not in ascending load: %q", names(ts, &p))
					}
				}
				if len(p.Order) != 4 {
					t.Fatalf("order %q", names(ts, &p))
				}
			}
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 0.01 {
					t.Errorf("%s first in %.3f of requests, want %.3f", ts[i].Name, got[i], tt.want[i])
				}
			}
		})
	}
	t.Run("one target", func(t *testing.T) {
		l, _ := NewLeastLoaded(nil, ts[:1])
		if got := names(ts[:1], order(l, &Input{Load: fakeLoad{}, Rand: seeded(1)}, ts[:1])); got != "a" {
			t.Errorf("order %q", got)
		}
	})
}

// TestLeastLoadedPeek: explain (Peek) shows the pick the next call gets,
// and explaining does not take it.
func TestLeastLoadedPeek(t *testing.T) {
	ts := models("a", "b", "c", "d")
	l, _ := NewLeastLoaded(nil, ts)
	load := fakeLoad{"p/a": 5, "p/b": 6, "p/c": 5, "p/d": 7}
	rnd := seeded(9)
	var firsts []int
	for i := range 50 {
		peek := order(l, &Input{Load: load, Rand: rnd, Peek: true}, ts)
		again := order(l, &Input{Load: load, Rand: rnd, Peek: true}, ts)
		call := order(l, &Input{Load: load, Rand: rnd}, ts)
		if names(ts, peek) != names(ts, again) || names(ts, peek) != names(ts, call) {
			t.Fatalf("request %d: explain said %q then %q, the call got %q", i, names(ts, peek), names(ts, again), names(ts, call))
		}
		firsts = append(firsts, call.Order[0])
	}
	seen := map[int]bool{}
	for _, f := range firsts {
		seen[f] = true
	}
	if len(seen) != 4 {
		t.Errorf("50 calls went first to %d of 4 targets with about equal loads", len(seen))
	}
}
