package routing

import (
	"math"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func TestWeightedSequence(t *testing.T) {
	tests := []struct {
		name    string
		weights []float64
		want    string // first picks, repeated: the sequence has period sum(weights)
	}{
		{"nginx 5,1,1", []float64{5, 1, 1}, "a a b a c a a"},
		{"equal", []float64{1, 1, 1}, "a b c"},
		{"unset counts as 1", []float64{0, 0, 2}, "c a b c"},
		{"2,1", []float64{2, 1}, "a b a"},
		{"fractions as 5,1,1", []float64{0.5, 0.1, 0.1}, "a a b a c a a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := withWeights(models("a", "b", "c")[:len(tt.weights)], tt.weights...)
			w, err := NewWeighted(&config.Router{}, ts)
			if err != nil {
				t.Fatal(err)
			}
			for round := range 3 { // the sequence repeats exactly
				var got []string
				for range strings.Count(tt.want, " ") + 1 {
					p := order(w, nil, ts)
					got = append(got, ts[p.Order[0]].Name)
				}
				if g := strings.Join(got, " "); g != tt.want {
					t.Fatalf("round %d: picks %q, want %q", round, g, tt.want)
				}
			}
		})
	}
}

func TestWeightedFallbacksInListedOrder(t *testing.T) {
	ts := withWeights(models("a", "b", "c"), 5, 1, 1)
	w, _ := NewWeighted(&config.Router{}, ts)
	want := []string{"a b c", "a b c", "b a c", "a b c", "c a b"}
	for i, wo := range want {
		if got := names(ts, order(w, nil, ts)); got != wo {
			t.Errorf("request %d: order %q, want %q", i, got, wo)
		}
	}
}

func TestWeightedValidation(t *testing.T) {
	tests := []struct {
		name    string
		ts      []TargetInfo
		wantErr string
	}{
		{"ok", withWeights(models("a", "b"), 3, 0), ""},
		{"no targets", nil, "targets: a weighted router needs at least one target"},
		{"negative", withWeights(models("a", "b"), 3, -1), "targets[1].weight: must be > 0, or unset for 1 (got -1)"},
		{"NaN", withWeights(models("a", "b"), math.NaN(), 1), "targets[0].weight: must be > 0"},
		{"infinite", withWeights(models("a", "b"), math.Inf(1), 1), "targets[0].weight: must be > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWeighted(&config.Router{}, tt.ts)
			wantErr(t, err, tt.wantErr)
		})
	}
}
