package engine

import (
	"context"
	"time"
)

// ledger is the budget ledger as the attempt loop sees it: each attempt
// holds its worst-case cost before the upstream call and, after it,
// settles the real cost or releases the hold. The implementation is
// budgets (budget.go, with its leases in budgetlease.go and its other
// regions in budgethome.go); tests put a fake in Engine.ledger to watch
// the loop's side of the contract alone.
type ledger interface {
	// reserve holds micros against every budget covering sc; on refusal
	// nothing stays held and the refusing budget is returned.
	reserve(ctx context.Context, sc scope, micros int64, now time.Time) (*reservation, *exceeded)
	// wouldExceed is reserve's dry run (explain): nothing is held.
	wouldExceed(ctx context.Context, sc scope, micros int64, now time.Time) *exceeded
	// settle replaces what res holds with the real cost; release
	// returns it all (the attempt failed). Both accept a nil res.
	settle(ctx context.Context, res *reservation, actualMicros int64)
	release(ctx context.Context, res *reservation)
}

var _ ledger = (*budgets)(nil)

// budgetStep prices att and holds its worst-case cost against ru's
// budgets, or, in a dry run, only asks whether it would fit. over is the
// budget it does not fit, with its target set.
func (e *Engine) budgetStep(ctx context.Context, ru *run, att *attempt, now time.Time) (over *exceeded) {
	att.price, att.priced = e.price(att.cand.Leaf)
	switch {
	case att.priced && ru.req.Embed != nil:
		att.worst = toMicros(embedWorstCase(att.price, att.call.Request))
	case att.priced:
		att.worst = toMicros(att.price.WorstCase(att.call.Request))
	}
	if ru.dryRun {
		over = e.ledger.wouldExceed(ctx, ru.scope, att.worst, now)
	} else {
		att.hold, over = e.ledger.reserve(ctx, ru.scope, att.worst, now)
	}
	if over != nil {
		over.target = att.cand.Key
	}
	return over
}

// charge is what a served attempt costs, in USD and in the micro-USD its
// hold settles to: the price of its usage, or, when it reported none (a
// stream cut after it started, an upstream that leaves usage out), exactly
// what was reserved, which bounds the real cost, rather than nothing. An
// unpriced target costs nothing.
func (att *attempt) charge() (usd float64, micros int64) {
	switch {
	case att.priced && att.out.usage != nil:
		usd = att.price.Cost(att.out.usage)
		return usd, toMicros(usd)
	case att.priced:
		return float64(att.worst) / 1e6, att.worst
	}
	return 0, 0
}
