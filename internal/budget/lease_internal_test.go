package budget

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

func leasedBudgets(t *testing.T, st store.Store, now time.Time) *Ledger {
	t.Helper()
	cfg := &config.Config{Budgets: []config.Budget{{Name: "b", Scope: "global", LimitUSD: 1, Period: "day", LeaseUSD: 0.6}}}
	return newBudgets(cfg, st, slog.New(slog.DiscardHandler), func() time.Time { return now })
}

// TestExplainSeesTheLease: the counter counts this instance's whole lease
// as spent, so explain read from the counter alone said a request that
// its lease still fits would be refused.
func TestExplainSeesTheLease(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	b := leasedBudgets(t, store.NewMemory(), now)
	res, over := b.Reserve(ctx, Scope{}, 100_000, now)
	if over != nil {
		t.Fatalf("reserve: %+v", over)
	}
	b.Settle(ctx, res, 100_000)
	// Counter 600 000 (the lease) + 450 000 > 1 000 000, but the lease has
	// 500 000 left.
	if over := b.WouldExceed(ctx, Scope{}, 450_000, now); over != nil {
		t.Errorf("explain: a reservation the lease fits would be refused (%+v)", over)
	}
	if _, over := b.Reserve(ctx, Scope{}, 450_000, now); over != nil {
		t.Errorf("reserve of what explain allowed: refused %+v", over)
	}
}

// TestRetiredEngineTakesNoLease: a request still running on an engine a
// config reload retired (its leases returned by Close) reserves on the
// counter; a lease it took would never be returned, as no flush runs on
// a retired engine.
func TestRetiredEngineTakesNoLease(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	st := store.NewMemory()
	b := leasedBudgets(t, st, now)
	b.closed.Store(true)
	b.Flush(ctx, true)
	res, over := b.Reserve(ctx, Scope{}, 100_000, now)
	if over != nil {
		t.Fatalf("reserve: %+v", over)
	}
	b.Settle(ctx, res, 40_000)
	if open, _ := st.OpenLeases(ctx, "b#2026-11-25"); len(open) != 0 {
		t.Errorf("a retired engine took %d leases", len(open))
	}
	if spent, _ := st.Spent(ctx, "b#2026-11-25"); spent != 40_000 {
		t.Errorf("spent %d, want 40000 settled at once", spent)
	}
}
