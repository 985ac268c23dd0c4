package engine

import (
	"context"
	"time"

	"github.com/switchyard-llm/switchyard/internal/budget"
	"github.com/switchyard-llm/switchyard/internal/pricing"
)

// ledger is the budget ledger as the attempt loop sees it: each attempt
// holds its worst-case cost before the upstream call and, after it,
// settles the real cost or releases the hold. The implementation is
// package budget's Ledger, through budgets below; tests put a fake in
// Engine.ledger to watch the loop's side of the contract alone.
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

// scope is who a request is charged to: its router, key and user.
type scope struct {
	router string
	key    string // key name, "" without auth
	user   string
}

func (sc scope) budget() budget.Scope {
	return budget.Scope{Router: sc.router, Key: sc.key, User: sc.user}
}

// reservation is what one attempt holds against its budgets, exceeded a
// budget that refused it.
type (
	reservation = budget.Reservation
	exceeded    = budget.Exceeded
)

// BudgetStatus is one budget's state, as explain shows it.
type BudgetStatus = budget.Status

// budgets is the engine's budget ledger (package budget) with the
// engine's request scope: the loop's ledger, explain's budget status,
// the budget conditions' remaining_pct (vars.go) and the budget gauges.
type budgets struct{ *budget.Ledger }

func (b *budgets) reserve(ctx context.Context, sc scope, micros int64, now time.Time) (*reservation, *exceeded) {
	return b.Reserve(ctx, sc.budget(), micros, now)
}

func (b *budgets) wouldExceed(ctx context.Context, sc scope, micros int64, now time.Time) *exceeded {
	return b.WouldExceed(ctx, sc.budget(), micros, now)
}

func (b *budgets) settle(ctx context.Context, res *reservation, actualMicros int64) {
	b.Settle(ctx, res, actualMicros)
}

func (b *budgets) release(ctx context.Context, res *reservation) { b.Release(ctx, res) }

// remainingPct is 100 × (limit − spent) / limit for the named budget in
// sc, never below 0; ok=false when no such budget covers sc.
func (b *budgets) remainingPct(ctx context.Context, name string, sc scope, now time.Time) (float64, bool) {
	return b.RemainingPct(ctx, name, sc.budget(), now)
}

// toMicros converts USD to integer micro-USD, rounding up so a
// reservation never undercounts (pricing.Micros).
func toMicros(usd float64) int64 { return pricing.Micros(usd) }

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
		over.Target = att.cand.Key
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
