package routing

import (
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// drain marks targets i as drained (weight written as 0).
func drain(ts []TargetInfo, is ...int) []TargetInfo {
	for _, i := range is {
		ts[i].Weight, ts[i].Drained = 0, true
	}
	return ts
}

// TestDrainedArmGetsNoTraffic: a target whose weight is 0 is never tried,
// neither first nor as a fallback, whether the arm is drawn at random,
// hashed from a sticky value, or rotated by weighted.
func TestDrainedArmGetsNoTraffic(t *testing.T) {
	ts := drain(withWeights(models("a", "b", "c"), 50, 30, 20), 1)
	random := mustPercentage(t, "", ts)
	sticky := mustPercentage(t, "user", ts)
	weighted, err := NewWeighted(&config.Router{}, ts)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]int{}
	for i := range 2000 {
		for name, p := range map[string]*Plan{
			"random":   order(random, &Input{Rand: seeded(uint64(i))}, ts),
			"sticky":   order(sticky, &Input{Vars: userVars("user-" + strconv.Itoa(i))}, ts),
			"weighted": order(weighted, nil, ts),
		} {
			if got := names(ts, p); strings.Contains(got, "b") || len(p.Order) != 2 {
				t.Fatalf("%s: order %q: the drained b must not appear, a and c must", name, got)
			}
			first[name+" "+ts[p.Order[0]].Name]++
		}
	}
	// The live arms keep their relative weights (50:20): about 71% a.
	for _, s := range []string{"random", "sticky"} {
		if a := float64(first[s+" a"]) / 2000; a < 0.66 || a > 0.77 {
			t.Errorf("%s: a first on %.3f of requests, want about 0.714", s, a)
		}
	}
	// Weighted is exact: 50 a and 20 c in every 70 picks (2000 = 28×70 + 40).
	fresh, _ := NewWeighted(&config.Router{}, ts)
	n := map[string]int{}
	for range 70 {
		n[ts[order(fresh, nil, ts).Order[0]].Name]++
	}
	if n["a"] != 50 || n["c"] != 20 {
		t.Errorf("weighted: %v first in 70 picks, want a 50, c 20", n)
	}
}

// TestDrainedFirstTarget: draining the first listed target leaves the
// others in play even where a strategy would default to the first.
func TestDrainedFirstTarget(t *testing.T) {
	ts := drain(withWeights(models("a", "b"), 0, 1), 0)
	p := mustPercentage(t, "", ts)
	// No randomness given: the first target that is not drained.
	if got := names(ts, order(p, nil, ts)); got != "b" {
		t.Errorf("percentage without randomness: %q, want b", got)
	}
	// A request without the sticky value falls back to a random draw.
	s := mustPercentage(t, "user", ts)
	if got := names(ts, order(s, &Input{Vars: userVars("")}, ts)); got != "b" {
		t.Errorf("sticky without a value: %q, want b", got)
	}
	w, err := NewWeighted(&config.Router{}, ts)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ts, order(w, nil, ts)); got != "b" {
		t.Errorf("weighted: %q, want b", got)
	}
}

// TestAllDrainedRefused: a router whose every target is drained could
// send a request nowhere, so it does not compile.
func TestAllDrainedRefused(t *testing.T) {
	const want = "targets: every target has weight 0 (drained); at least one needs a weight > 0"
	ts := drain(withWeights(models("a", "b"), 0, 0), 0, 1)
	if _, err := NewPercentage(&config.Router{}, ts); err == nil || err.Error() != want {
		t.Errorf("percentage: %v, want %q", err, want)
	}
	if _, err := NewWeighted(&config.Router{}, ts); err == nil || err.Error() != want {
		t.Errorf("weighted: %v, want %q", err, want)
	}
	// Through the compiler, from a config, with the router's path.
	cfg, err := config.Parse([]byte("providers: {p: {type: mock}}\nrouters:\n  ab: {strategy: percentage, targets: [{model: p/a, weight: 0}, {model: p/b, weight: 0}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewCompiler(cfg).Named("ab")
	wantErr(t, err, "routers.ab.targets: every target has weight 0")
}
