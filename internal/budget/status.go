package budget

import (
	"context"
	"math"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// SpentOf is the spend on budget bud's counter for sc as this instance
// knows it: its last known figure, read once from the store when unknown.
// ok=false when the budget has no counter for sc or the store cannot be
// read. A budget is named, so its state is readable from any request: only
// a per-user budget needs the request's user.
func (b *Ledger) SpentOf(ctx context.Context, bud config.Budget, sc Scope, now time.Time) (int64, bool) {
	key, ok := OwnCounter(bud, sc, now)
	if !ok {
		return 0, false
	}
	b.mu.Lock()
	spent, known := b.spent[key]
	b.mu.Unlock()
	if known {
		return spent, true
	}
	s, err := b.storeOf(key).Spent(ctx, key)
	if err != nil {
		return 0, false
	}
	b.note(key, s)
	return s, true
}

// RemainingPct is 100 × (limit − spent) / limit for the named budget in
// sc, never below 0 (an overspent budget has nothing left, which is what
// conditions ask). ok=false when no such budget covers sc.
func (b *Ledger) RemainingPct(ctx context.Context, name string, sc Scope, now time.Time) (float64, bool) {
	for _, bud := range b.list {
		if bud.Name != name {
			continue
		}
		spent, ok := b.SpentOf(ctx, bud, sc, now)
		if !ok {
			return 0, false
		}
		return remaining(spent, toMicros(bud.LimitUSD)), true
	}
	return 0, false
}

// remaining is 100 × (limit − spent) / limit, at least 0; computed in
// floating point, so a saturated spend cannot wrap the difference.
func remaining(spent, limit int64) float64 {
	if limit <= 0 {
		return 0
	}
	return math.Max(0, 100*(float64(limit)-float64(spent))/float64(limit))
}

// WouldExceed reports the first budget covering sc that a reservation of
// micros would take past its limit, as reserve would refuse it, without
// reserving anything: for explain. Spend is read from the store (with the
// unsettled corrections this instance holds), falling back to the last
// known figure; a budget whose spend cannot be read is skipped.
func (b *Ledger) WouldExceed(ctx context.Context, sc Scope, micros int64, now time.Time) *Exceeded {
	for _, bud := range b.list {
		key, _, ok := counterKey(bud, sc, now)
		if !ok || b.leaseFits(key, micros) {
			continue
		}
		spent, err := b.storeOf(key).Spent(ctx, key)
		b.mu.Lock()
		if err != nil {
			var known bool
			if spent, known = b.spent[key]; !known {
				b.mu.Unlock()
				continue
			}
		}
		if p := b.pending[key]; p != nil {
			spent = addMicros(spent, p.micros)
		}
		b.mu.Unlock()
		if limit := toMicros(bud.LimitUSD); micros < 0 || addMicros(spent, micros) > limit {
			return &Exceeded{Budget: bud, Worst: micros, Limit: limit, Spent: spent, SpentKnown: true}
		}
	}
	return nil
}

// Status reports each budget's spend for sc, for explain. SpentUSD is the
// counter's real figure, past the limit when requests in flight or
// settled above their reservation took it there: clamped to the limit, an
// overspend would be invisible. A counter that cannot be read shows as
// exhausted (the limit spent, nothing remaining).
func (b *Ledger) Status(ctx context.Context, sc Scope, now time.Time) []Status {
	var out []Status
	for _, bud := range b.list {
		key, _, ok := counterKey(bud, sc, now)
		if !ok {
			continue
		}
		st := Status{Name: bud.Name, Counter: key, LimitUSD: bud.LimitUSD, SpentUSD: bud.LimitUSD, OnExceed: OnExceed(bud)}
		if spent, ok := b.SpentOf(ctx, bud, sc, now); ok {
			st.SpentUSD = float64(spent) / 1e6
			st.RemainingPct = remaining(spent, toMicros(bud.LimitUSD))
		}
		out = append(out, st)
	}
	return out
}

// Status is one budget's state, as explain shows it.
type Status struct {
	Name     string  `json:"name"`
	Counter  string  `json:"counter"`
	LimitUSD float64 `json:"limit_usd"`
	// SpentUSD is the real spend, which may exceed LimitUSD.
	SpentUSD     float64 `json:"spent_usd"`
	RemainingPct float64 `json:"remaining_pct"`
	OnExceed     string  `json:"on_exceed"`
}
