// Package budget is the budget ledger (DESIGN §6, docs/scale-budgets.md):
// each attempt reserves its worst-case cost against every budget covering
// the request before it starts, with a conditional add in the store, and
// settles the real cost (or releases the hold) after, so concurrent
// requests on any number of instances never take a hard budget past its
// limit. Counters are per budget, subject and period (counter.go);
// leases (lease.go) let an instance hold a chunk of headroom in memory;
// budgets homed in another region (home.go) are reached through that
// region's store. Explain's and the conditions' view of a budget is
// status.go.
//
// The engine's attempt loop calls the ledger through a small interface
// (engine/ledger.go); the caller's 429 for a refusal is the engine's
// (budgetError), from Exceeded.Why.
package budget

import "time"

// storeTimeout bounds each store write a request waits for (a
// reservation, a lease, a settlement): the engine's request-path bound.
// A write that times out is treated as failed, and the budget's
// on_store_error applies.
const storeTimeout = 2 * time.Second
