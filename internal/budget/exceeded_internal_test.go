package budget

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
		x    Exceeded
		want string
	}{
		{"room left, but not enough", Exceeded{Budget: day, Target: "openai/gpt-4o", Worst: 21500, Limit: 1300000, Spent: 1296000, SpentKnown: true},
			"budget team-a: this request's worst-case cost on openai/gpt-4o ($0.0215) does not fit the $0.004 left of $1.30 for this day"},
		{"overspent: nothing left", Exceeded{Budget: day, Worst: 21500, Limit: 1300000, Spent: 1400000, SpentKnown: true},
			"budget team-a: this request's worst-case cost ($0.0215) does not fit the $0.00 left of $1.30 for this day"},
		{"more than the whole budget", Exceeded{Budget: config.Budget{Name: "all"}, Worst: 2000000, Limit: 1300000},
			"budget all: this request's worst-case cost ($2.00) is more than the whole budget of $1.30 in total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.x.Why(); got != tt.want {
				t.Errorf("why() = %q\nwant      %q", got, tt.want)
			}
		})
	}
}
