package budget

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestBudgetArithmeticSaturates: money figures clamp at the int64 bounds.
// Unchecked, a worst case of 2^63 micro-USD or more converted to MinInt64:
// a negative reservation that an exhausted hard budget accepted.
func TestBudgetArithmeticSaturates(t *testing.T) {
	t.Run("toMicros", func(t *testing.T) {
		tests := []struct {
			usd  float64
			want int64
		}{
			{0, 0},
			{0.001, 1000},
			{1e-9, 1}, // rounded up: a reservation never undercounts
			{-1, 0},
			{math.Ldexp(1, 63) / 1e6, math.MaxInt64},
			{9.2e12, 9_200_000_000_000_000_000},
			{1e300, math.MaxInt64},
			{math.Inf(1), math.MaxInt64},
			{math.NaN(), math.MaxInt64},
		}
		for _, tt := range tests {
			if got := toMicros(tt.usd); got != tt.want {
				t.Errorf("toMicros(%g) = %d, want %d", tt.usd, got, tt.want)
			}
		}
	})
	t.Run("addMicros", func(t *testing.T) {
		tests := []struct{ a, b, want int64 }{
			{1, 2, 3},
			{-5, 3, -2},
			{math.MaxInt64, 1, math.MaxInt64},
			{math.MaxInt64, math.MaxInt64, math.MaxInt64},
			{1 << 62, 1 << 62, math.MaxInt64},
			{math.MinInt64, -1, math.MinInt64},
			{math.MaxInt64, math.MinInt64, -1},
		}
		for _, tt := range tests {
			if got := addMicros(tt.a, tt.b); got != tt.want {
				t.Errorf("addMicros(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		}
	})
	t.Run("foldable", func(t *testing.T) {
		tests := []struct{ micros, fold, now, rest int64 }{
			{100, 0, 0, 0},
			{100, 50, 50, 0},        // extra cost: folded whole
			{100, -60, -60, 0},      // a release within the reservation
			{100, -100, -100, 0},    // down to exactly zero
			{100, -600, -100, -500}, // a larger release waits for the rest
			{0, -600, 0, -600},
			{math.MaxInt64, -1, -1, 0},
		}
		for _, tt := range tests {
			now, rest := foldable(tt.micros, tt.fold)
			if now != tt.now || rest != tt.rest || now+rest != tt.fold || tt.micros+now < 0 {
				t.Errorf("foldable(%d, %d) = %d, %d; want %d, %d", tt.micros, tt.fold, now, rest, tt.now, tt.rest)
			}
		}
	})
}

// reserveLog is a memory store that records the amounts it is asked to
// Reserve.
type reserveLog struct {
	*store.Memory
	mu       sync.Mutex
	reserved []int64
}

func (r *reserveLog) Reserve(ctx context.Context, key string, micros, limit int64, expires time.Time) (int64, error) {
	r.mu.Lock()
	r.reserved = append(r.reserved, micros)
	r.mu.Unlock()
	return r.Memory.Reserve(ctx, key, micros, limit, expires)
}

// TestFoldedReleaseNeverReservesBelowZero: the settlement of an earlier
// request (a release larger than the next reservation) is folded only down
// to a zero reservation, which the ledger accepts; the rest stays pending
// and is written by flush. Folded whole, it would be a negative
// reservation, which the ledger refuses.
func TestFoldedReleaseNeverReservesBelowZero(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	st := &reserveLog{Memory: store.NewMemory()}
	cfg := &config.Config{Budgets: []config.Budget{{Name: "daily", Scope: "global", LimitUSD: 0.001, Period: "day", OnStoreError: "allow"}}}
	b := newBudgets(cfg, st, slog.New(slog.DiscardHandler), func() time.Time { return now })
	ctx := context.Background()
	const key = "daily#2026-11-25"

	first, over := b.Reserve(ctx, Scope{}, 600, now)
	if over != nil {
		t.Fatalf("first reservation refused: %+v", over)
	}
	b.Settle(ctx, first, 0) // the attempt failed: -600 pending
	second, over := b.Reserve(ctx, Scope{}, 100, now)
	if over != nil {
		t.Fatalf("second reservation refused: %+v", over)
	}
	for _, m := range st.reserved {
		if m < 0 {
			t.Fatalf("the ledger was asked to reserve %v: a negative amount", st.reserved)
		}
	}
	if spent, _ := st.Spent(ctx, key); spent != 600 {
		t.Errorf("spent %d after folding, want 600 (100 held, 500 of the release still pending)", spent)
	}
	b.Settle(ctx, second, 40)
	b.Flush(ctx, true)
	if spent, _ := st.Spent(ctx, key); spent != 40 {
		t.Errorf("spent %d after flush, want 40: only the settled cost", spent)
	}
}

// TestNegativeReservationIsRefused: a negative amount reaching reserve
// (a bug upstream of it) is refused, not allowed as a store outage would
// be, and no pending correction is folded into it to hide it.
func TestNegativeReservationIsRefused(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	st := store.NewMemory()
	cfg := &config.Config{Budgets: []config.Budget{{Name: "daily", Scope: "global", LimitUSD: 0.001, Period: "day", OnStoreError: "allow"}}}
	b := newBudgets(cfg, st, slog.New(slog.DiscardHandler), func() time.Time { return now })
	ctx := context.Background()
	b.addPending("daily#2026-11-25", 500, now.Add(time.Hour)) // fits with the -1
	if _, over := b.Reserve(ctx, Scope{}, -1, now); over == nil {
		t.Fatal("a reservation of -1 micro-USD was accepted")
	}
	if spent, _ := st.Spent(ctx, "daily#2026-11-25"); spent != 0 {
		t.Errorf("spent %d, want 0: the refused reservation wrote nothing", spent)
	}
}

// downStore is a store whose budget ledger cannot be reached.
type downStore struct{ *store.Memory }

func (downStore) Reserve(context.Context, string, int64, int64, time.Time) (int64, error) {
	return 0, context.DeadlineExceeded
}

// TestReservationLargerThanTheBudget: a worst case above the whole limit
// (a saturated one among them) is refused without asking the store, so a
// store outage with on_store_error: allow does not let it through, while
// a reservation that might fit is allowed as that setting says.
func TestReservationLargerThanTheBudget(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg := &config.Config{Budgets: []config.Budget{{Name: "daily", Scope: "global", LimitUSD: 0.001, Period: "day", OnStoreError: "allow"}}}
	b := newBudgets(cfg, downStore{store.NewMemory()}, slog.New(slog.DiscardHandler), func() time.Time { return now })
	ctx := context.Background()
	for _, micros := range []int64{1001, math.MaxInt64} {
		if _, over := b.Reserve(ctx, Scope{}, micros, now); over == nil || over.StoreErr != nil {
			t.Errorf("reserve(%d) of a 1000 micro-USD budget with the store down: %+v, want refused as Exceeded", micros, over)
		}
	}
	if _, over := b.Reserve(ctx, Scope{}, 1000, now); over != nil {
		t.Errorf("reserve(1000) with the store down: %+v, want allowed (on_store_error: allow)", over)
	}
}
