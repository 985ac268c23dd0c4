package engine

import (
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

func TestUSDIsExact(t *testing.T) {
	tests := []struct {
		micros int64
		want   string
	}{
		{0, "$0.00"},
		{1, "$0.000001"},
		{4000, "$0.004"},
		{21500, "$0.0215"},
		{1300000, "$1.30"},
		{100000000, "$100.00"},
		{-1500000, "-$1.50"},
		{math.MinInt64, "-$9223372036854.775808"},
	}
	for _, tt := range tests {
		if got := usd(tt.micros); got != tt.want {
			t.Errorf("usd(%d) = %q, want %q", tt.micros, got, tt.want)
		}
	}
}

func TestExceededSaysWhatDidNotFit(t *testing.T) {
	day := config.Budget{Name: "team-a", Period: "day"}
	tests := []struct {
		name string
		x    exceeded
		want string
	}{
		{"room left, but not enough", exceeded{budget: day, target: "openai/gpt-4o", worst: 21500, limit: 1300000, spent: 1296000, spentKnown: true},
			"budget team-a: this request's worst-case cost on openai/gpt-4o ($0.0215) does not fit the $0.004 left of $1.30 for this day"},
		{"overspent: nothing left", exceeded{budget: day, worst: 21500, limit: 1300000, spent: 1400000, spentKnown: true},
			"budget team-a: this request's worst-case cost ($0.0215) does not fit the $0.00 left of $1.30 for this day"},
		{"more than the whole budget", exceeded{budget: config.Budget{Name: "all"}, worst: 2000000, limit: 1300000},
			"budget all: this request's worst-case cost ($2.00) is more than the whole budget of $1.30 in total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.x.why(); got != tt.want {
				t.Errorf("why() = %q\nwant      %q", got, tt.want)
			}
		})
	}
}
