package engine

import (
	"context"

	"github.com/switchyard-llm/switchyard/internal/budget"
)

// BudgetLevel is one budget's spend in its current period, as a scrape
// reports it.
type BudgetLevel struct {
	Name     string
	LimitUSD float64
	// SpentUSD is this instance's latest figure for the counter (read from
	// the store when it has none); it may exceed LimitUSD. Known is false
	// when the counter cannot be read.
	SpentUSD float64
	Known    bool
}

// BudgetLevels reports the budgets that have one counter per period
// (scope global, router:<name> or key:<name>). Per-user budgets keep one
// counter per user, without bound, and are left out.
func (e *Engine) BudgetLevels(ctx context.Context) []BudgetLevel {
	now := e.deps.Now()
	var out []BudgetLevel
	for _, bud := range e.cfg.Budgets {
		if bud.Scope == "user" {
			continue
		}
		l := BudgetLevel{Name: bud.Name, LimitUSD: bud.LimitUSD}
		if spent, ok := e.budgets.SpentOf(ctx, bud, budget.Scope{}, now); ok {
			l.SpentUSD, l.Known = float64(spent)/1e6, true
		}
		out = append(out, l)
	}
	return out
}

// CoolingDown counts the targets in a running cooldown now, by metric
// target (MetricTarget): bounded labels for a gauge.
func (e *Engine) CoolingDown() map[string]int {
	now := e.deps.Now()
	out := map[string]int{}
	for key, until := range e.state.coolingDown(now) {
		if until.After(now) {
			out[e.MetricTarget(key)]++
		}
	}
	return out
}
