package routing

import (
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func TestCostOrder(t *testing.T) {
	ts := append(models("a", "b", "c", "d"), TargetInfo{Key: "router/cheap", Name: "cheap"})
	costs := fakeCosts{"p/a": 0.03, "p/b": 0.001, "p/d": 0.01, "router/cheap": 0} // c has no price
	tests := []struct {
		name    string
		max     float64
		in      *Input
		want    string
		wantWhy string
	}{
		{"cheapest first, unpriced and routers last", 0, &Input{Costs: costs}, "b d a c cheap", "cheapest estimate first; unpriced targets last"},
		{"max excludes dearer", 0.01, &Input{Costs: costs}, "b d c cheap", "cheapest estimate first; targets above max_cost_usd left out"},
		{"max excludes all priced", 0.0001, &Input{Costs: costs}, "c cheap", "cheapest estimate first; targets above max_cost_usd left out"},
		{"ties keep listed order", 0, &Input{Costs: fakeCosts{"p/a": 1, "p/b": 1, "p/c": 1, "p/d": 1}}, "a b c d cheap", "cheapest estimate first; unpriced targets last"},
		{"no estimates", 0, &Input{}, "a b c d cheap", "no cost estimates: listed order"},
		{"nil input", 0, nil, "a b c d cheap", "no cost estimates: listed order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCost(&config.Router{MaxCostUSD: tt.max}, ts)
			if err != nil {
				t.Fatal(err)
			}
			p := order(c, tt.in, ts)
			if got := names(ts, p); got != tt.want || p.Why != tt.wantWhy {
				t.Errorf("order %q why %q, want %q, %q", got, p.Why, tt.want, tt.wantWhy)
			}
		})
	}
	t.Run("reasons", func(t *testing.T) {
		c, _ := NewCost(&config.Router{MaxCostUSD: 0.02}, ts)
		p := order(c, &Input{Costs: costs}, ts)
		want := []struct {
			score  float64
			reason string
		}{
			{0.03, "excluded: estimate above max_cost_usd 0.02"},
			{0.001, reasonPriced},
			{-1, reasonNoPrice},
			{0.01, reasonPriced},
			{-1, reasonNoPrice},
		}
		for i, w := range want {
			if p.Scores[i] != w.score || p.Reasons[i] != w.reason {
				t.Errorf("target %s: score %v reason %q, want %v %q", ts[i].Name, p.Scores[i], p.Reasons[i], w.score, w.reason)
			}
		}
	})
	t.Run("everything over the cap", func(t *testing.T) {
		c, _ := NewCost(&config.Router{MaxCostUSD: 0.0001}, ts[:2])
		p := order(c, &Input{Costs: costs}, ts[:2])
		if len(p.Order) != 0 || p.Why != "every target's estimate is above max_cost_usd" {
			t.Errorf("order %v why %q, want an empty plan", p.Order, p.Why)
		}
	})
}

func TestCostValidation(t *testing.T) {
	for _, tt := range []struct {
		name    string
		max     float64
		wantErr string
	}{
		{"no cap", 0, ""},
		{"cap", 0.5, ""},
		{"negative", -1, "max_cost_usd: must be >= 0 (0 for no cap), not -1"},
		{"NaN", math.NaN(), "max_cost_usd: must be >= 0"},
		{"infinite", math.Inf(1), "max_cost_usd: must be >= 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCost(&config.Router{MaxCostUSD: tt.max}, nil)
			wantErr(t, err, tt.wantErr)
		})
	}
}
