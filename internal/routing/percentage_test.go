package routing

import (
	"math"
	"strconv"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/condition"
	"github.com/switchyard-llm/switchyard/internal/config"
)

func mustPercentage(t testing.TB, sticky string, ts []TargetInfo) *Percentage {
	t.Helper()
	s, err := NewPercentage(&config.Router{Strategy: "percentage", Sticky: sticky}, ts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPercentageSplit(t *testing.T) {
	const draws = 100_000
	const tolerance = 0.01 // absolute share; ~7 standard deviations at 100k draws
	tests := []struct {
		name    string
		weights []float64
	}{
		{"70/20/10", []float64{70, 20, 10}},
		{"fractions", []float64{0.5, 0.25, 0.25}},
		{"not summing to 100", []float64{3, 1}},
		{"single arm", []float64{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := withWeights(models("a", "b", "c")[:len(tt.weights)], tt.weights...)
			s := mustPercentage(t, "", ts)
			in := &Input{Rand: seeded(1)}
			counts := make([]int, len(ts))
			var p Plan
			for range draws {
				p.Reset()
				s.Order(in, ts, &p)
				counts[p.Order[0]]++
				if p.Route != ts[p.Order[0]].Name {
					t.Fatalf("Route = %q, want arm %q", p.Route, ts[p.Order[0]].Name)
				}
			}
			total := 0.0
			for _, w := range tt.weights {
				total += w
			}
			for i, w := range tt.weights {
				got, want := float64(counts[i])/draws, w/total
				if math.Abs(got-want) > tolerance {
					t.Errorf("arm %s got %.4f of draws, want %.4f ± %.2f", ts[i].Name, got, want, tolerance)
				}
			}
		})
	}
}

func TestPercentageFallbacksInListedOrder(t *testing.T) {
	ts := withWeights(models("a", "b", "c", "d"), 1, 1, 1, 1)
	s := mustPercentage(t, "", ts)
	in := &Input{Rand: seeded(2)}
	want := map[string]string{"a": "a b c d", "b": "b a c d", "c": "c a b d", "d": "d a b c"}
	seen := map[string]bool{}
	for range 200 {
		p := order(s, in, ts)
		if got := names(ts, p); got != want[p.Route] {
			t.Fatalf("arm %s: order %q, want %q", p.Route, got, want[p.Route])
		}
		seen[p.Route] = true
	}
	if len(seen) != 4 {
		t.Errorf("only arms %v drawn in 200 requests", seen)
	}
}

func userVars(id string) condition.MapVars { return condition.MapVars{"user": id} }

func TestPercentageStickyIsStable(t *testing.T) {
	const users = 10_000
	ts := withWeights(models("a", "b", "c"), 50, 30, 20)
	s1 := mustPercentage(t, "user", ts)
	s2 := mustPercentage(t, "user", ts) // another gateway instance
	counts := make([]int, len(ts))
	for u := range users {
		id := "user-" + strconv.Itoa(u)
		// Different randomness on every call: the arm must not depend on it.
		a := order(s1, &Input{Vars: userVars(id), Rand: seeded(uint64(u))}, ts).Order[0]
		b := order(s1, &Input{Vars: userVars(id), Rand: seeded(uint64(u) + 1)}, ts).Order[0]
		c := order(s2, &Input{Vars: userVars(id)}, ts).Order[0]
		if a != b || a != c {
			t.Fatalf("%s got arms %d, %d, %d", id, a, b, c)
		}
		counts[a]++
	}
	// Hashing still splits by weight: 3 standard deviations at 10k users
	// is about 1.5 points, allow 2.5.
	for i, w := range []float64{0.5, 0.3, 0.2} {
		if got := float64(counts[i]) / users; math.Abs(got-w) > 0.025 {
			t.Errorf("arm %s has %.3f of users, want %.2f", ts[i].Name, got, w)
		}
	}
}

func TestPercentageStickyMovesFewUsers(t *testing.T) {
	const users = 10_000
	tests := []struct {
		name        string
		before      []float64
		after       []float64
		wantMoved   float64 // the change in share: the least any scheme must move
		wantToArm   int     // every moved user lands here (-1: any)
		wantFromArm int     // every moved user comes from here (-1: any)
	}{
		{"50/50 to 60/40", []float64{50, 50}, []float64{60, 40}, 0.10, 0, 1},
		{"grow c from 20 to 40", []float64{40, 40, 20}, []float64{40, 40, 40}, 40.0/120 - 20.0/100, 2, -1},
		{"shrink a from 50 to 25", []float64{50, 25, 25}, []float64{25, 25, 25}, 50.0/100 - 25.0/75, -1, 0},
		{"unchanged", []float64{1, 2, 3}, []float64{1, 2, 3}, 0, -1, -1},
		{"scaled", []float64{1, 2, 3}, []float64{10, 20, 30}, 0, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := models("a", "b", "c")[:len(tt.before)]
			before := mustPercentage(t, "user", withWeights(names, tt.before...))
			after := mustPercentage(t, "user", withWeights(names, tt.after...))
			moved := 0
			for u := range users {
				in := &Input{Vars: userVars("u" + strconv.Itoa(u))}
				a := order(before, in, names).Order[0]
				b := order(after, in, names).Order[0]
				if a == b {
					continue
				}
				moved++
				if tt.wantToArm >= 0 && b != tt.wantToArm {
					t.Fatalf("a user moved %d -> %d; only moves to %d are needed", a, b, tt.wantToArm)
				}
				if tt.wantFromArm >= 0 && a != tt.wantFromArm {
					t.Fatalf("a user moved %d -> %d; only moves from %d are needed", a, b, tt.wantFromArm)
				}
			}
			got := float64(moved) / users
			if math.Abs(got-tt.wantMoved) > 0.02 {
				t.Errorf("%.3f of users moved, want %.3f ± 0.02", got, tt.wantMoved)
			}
		})
	}
}

func TestPercentageStickyIgnoresTargetOrder(t *testing.T) {
	ab := withWeights(models("a", "b", "c"), 1, 1, 1)
	ba := []TargetInfo{ab[2], ab[0], ab[1]}
	s1, s2 := mustPercentage(t, "user", ab), mustPercentage(t, "user", ba)
	for u := range 1000 {
		in := &Input{Vars: userVars("u" + strconv.Itoa(u))}
		if x, y := order(s1, in, ab).Route, order(s2, in, ba).Route; x != y {
			t.Fatalf("user %d: arm %s, after reordering %s", u, x, y)
		}
	}
}

func TestPercentageStickySources(t *testing.T) {
	ts := withWeights(models("a", "b"), 1, 1)
	// Duplicate arms (same model, split on params) must still both be used.
	dup := []TargetInfo{{Key: "p/m", Name: "p/m", Weight: 1, Leaf: true}, {Key: "p/m", Name: "p/m", Weight: 1, Leaf: true}}
	tests := []struct {
		name, sticky string
		ts           []TargetInfo
		in           func(v string) *Input
	}{
		{"user from vars", "user", ts, func(v string) *Input { return &Input{Vars: condition.MapVars{"user": v}} }},
		{"user from request", "user", ts, func(v string) *Input { return &Input{Request: &chat.Request{User: v}} }},
		{"metadata from vars", "metadata.org", ts, func(v string) *Input {
			return &Input{Vars: condition.MapVars{"metadata": map[string]any{"org": v}}}
		}},
		{"metadata from request", "metadata.org", ts, func(v string) *Input {
			return &Input{Request: &chat.Request{Metadata: map[string]any{"org": v}}}
		}},
		{"numeric metadata", "metadata.org", ts, func(v string) *Input {
			n, _ := strconv.Atoi(v[1:])
			return &Input{Vars: condition.MapVars{"metadata": map[string]any{"org": float64(n)}}}
		}},
		{"header, any case", "header.X-Team", ts, func(v string) *Input {
			return &Input{Vars: condition.MapVars{"headers": map[string]string{"x-team": v}}}
		}},
		{"duplicate arms", "user", dup, func(v string) *Input { return &Input{Vars: condition.MapVars{"user": v}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustPercentage(t, tt.sticky, tt.ts)
			counts := make([]int, 2)
			for u := range 1000 {
				v := "u" + strconv.Itoa(u)
				first := order(s, tt.in(v), tt.ts)
				again := order(s, tt.in(v), tt.ts)
				if first.Order[0] != again.Order[0] {
					t.Fatalf("%s: arm %d then %d", v, first.Order[0], again.Order[0])
				}
				if first.Why != s.whySticky {
					t.Fatalf("%s: Why = %q, want the sticky reason", v, first.Why)
				}
				counts[first.Order[0]]++
			}
			if counts[0] < 400 || counts[1] < 400 {
				t.Errorf("sticky split %v of 1000, want about even", counts)
			}
		})
	}
}

func TestPercentageDegrades(t *testing.T) {
	ts := withWeights(models("a", "b"), 1, 99)
	tests := []struct {
		name, sticky string
		in           *Input
		wantWhy      string
	}{
		{"nil input", "", nil, "no randomness given: first target"},
		{"no rand", "", &Input{}, "no randomness given: first target"},
		{"sticky value absent, no rand", "user", &Input{Vars: condition.MapVars{}}, "no randomness given: first target"},
		{"empty sticky value", "user", &Input{Vars: userVars("")}, "no randomness given: first target"},
		{"non-scalar sticky value", "metadata.x", &Input{Vars: condition.MapVars{"metadata": map[string]any{"x": []any{1}}}}, "no randomness given: first target"},
		{"sticky, nil request", "user", &Input{}, "no randomness given: first target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustPercentage(t, tt.sticky, ts)
			p := order(s, tt.in, ts)
			if got := names(ts, p); got != "a b" || p.Route != "a" || p.Why != tt.wantWhy {
				t.Errorf("order %q route %q why %q, want listed order, route a, why %q", got, p.Route, p.Why, tt.wantWhy)
			}
		})
	}
	t.Run("sticky value absent draws by weight", func(t *testing.T) {
		s := mustPercentage(t, "user", ts)
		p := order(s, &Input{Rand: seeded(3), Vars: condition.MapVars{}}, ts)
		if p.Why != s.whyRandom {
			t.Errorf("Why = %q, want %q", p.Why, s.whyRandom)
		}
	})
}

func TestPercentageValidation(t *testing.T) {
	tests := []struct {
		name    string
		sticky  string
		ts      []TargetInfo
		wantErr string
	}{
		{"ok", "user", withWeights(models("a", "b"), 70, 30), ""},
		{"metadata sticky", "metadata.tenant", withWeights(models("a"), 1), ""},
		{"header sticky", "header.X-User", withWeights(models("a"), 1), ""},
		{"no targets", "", nil, "targets: a percentage router needs at least one target"},
		{"unset weight", "", withWeights(models("a", "b"), 70, 0), "targets[1].weight: must be > 0"},
		{"negative weight", "", withWeights(models("a", "b"), -1, 2), "targets[0].weight: must be > 0"},
		{"NaN weight", "", withWeights(models("a", "b"), 1, math.NaN()), "targets[1].weight: must be > 0"},
		{"infinite weight", "", withWeights(models("a", "b"), 1, math.Inf(1)), "targets[1].weight: must be > 0"},
		{"overflowing total", "", withWeights(models("a", "b"), math.MaxFloat64, math.MaxFloat64), "targets: weights add up"},
		{"bad sticky", "session", withWeights(models("a"), 1), `sticky: must be user, metadata.<key> or header.<name>, not "session"`},
		{"empty metadata key", "metadata.", withWeights(models("a"), 1), "sticky: must be"},
		{"empty header", "header.", withWeights(models("a"), 1), "sticky: must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPercentage(&config.Router{Strategy: "percentage", Sticky: tt.sticky}, tt.ts)
			wantErr(t, err, tt.wantErr)
		})
	}
}

func TestRandomIgnoresWeights(t *testing.T) {
	ts := models("a", "b") // no weights: percentage would reject them
	s, err := NewRandom(&config.Router{Strategy: "random"}, ts)
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Rand: seeded(4)}
	counts := make([]int, 2)
	for range 10_000 {
		counts[order(s, in, ts).Order[0]]++
	}
	if math.Abs(float64(counts[0])/10_000-0.5) > 0.03 {
		t.Errorf("random split %v, want even", counts)
	}
}
