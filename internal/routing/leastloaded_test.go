package routing

import (
	"testing"
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
