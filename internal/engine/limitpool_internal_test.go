package engine

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// countingStore counts Reserve and Adjust calls and can fail them.
type countingStore struct {
	store.Store
	reserves, adjusts int
	fail              error
}

func (c *countingStore) Reserve(ctx context.Context, key string, n, limit int64, exp time.Time) (int64, error) {
	c.reserves++
	if c.fail != nil {
		return 0, c.fail
	}
	return c.Store.Reserve(ctx, key, n, limit, exp)
}

func (c *countingStore) Adjust(ctx context.Context, key string, d int64, exp time.Time) error {
	c.adjusts++
	if c.fail != nil {
		return c.fail
	}
	return c.Store.Adjust(ctx, key, d, exp)
}

func TestWindows(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)
	start, end := minute(now)
	ctr := windowCounter("key#k#rpm", start)
	cases := []struct {
		name    string
		chunked bool
		limit   int64
		// before is what another instance took first.
		before int64
		takes  int
		// want: served takes, store reserves, counter after.
		served, reserves int
		counter          int64
	}{
		{"exact: one write per take, the limit holds", false, 5, 0, 8, 5, 8, 5},
		{"chunked: one write per chunk of limit/32", true, 320, 0, 25, 25, 3, 30},
		{"chunked: a chunk that no longer fits takes the room left", true, 320, 315, 8, 5, 5, 320},
		{"chunked below 32: chunk 1, exact", true, 20, 0, 21, 20, 21, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &countingStore{Store: store.NewMemory()}
			if c.before > 0 {
				if _, err := st.Store.Reserve(ctx, ctr, c.before, c.limit, end); err != nil {
					t.Fatal(err)
				}
			}
			w := newWindows(st, c.chunked)
			served := 0
			for i := 0; i < c.takes; i++ {
				_, err := w.take(ctx, ctr, 1, c.limit, end, now)
				switch {
				case err == nil:
					served++
				case !errors.Is(err, errLimited):
					t.Fatalf("take %d: %v", i, err)
				}
			}
			total, _ := st.Spent(ctx, ctr)
			if served != c.served || st.reserves != c.reserves || total != c.counter {
				t.Errorf("served %d, %d reserves, counter %d; want %d, %d, %d", served, st.reserves, total, c.served, c.reserves, c.counter)
			}
		})
	}
}

func TestWindowsGiveAndSpend(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)
	start, end := minute(now)
	ctr := windowCounter("key#k#tpm", start)
	st := &countingStore{Store: store.NewMemory()}
	w := newWindows(st, false)
	if _, err := w.take(ctx, ctr, 100, 1000, end, now); err != nil {
		t.Fatal(err)
	}
	// Settled below the estimate: 40 back; above: 10 more.
	_ = w.give(ctx, ctr, 40, end, now)
	_ = w.spend(ctx, ctr, 10, end, now)
	if total, _ := st.Spent(ctx, ctr); total != 70 {
		t.Errorf("counter %d after holding 100, giving 40, spending 10; want 70", total)
	}
	// A settlement after the window ended writes nothing.
	adjusts := st.adjusts
	_ = w.give(ctx, ctr, 10, end, end.Add(time.Second))
	if st.adjusts != adjusts {
		t.Errorf("a settlement of an ended window wrote to the store")
	}
	// A store failure is not a refusal.
	st.fail = errors.New("dynamo: connection refused")
	if _, err := w.take(ctx, ctr, 1, 1000, end, now); err == nil || errors.Is(err, errLimited) {
		t.Errorf("store failure: %v, want a wrapped store error", err)
	}
}

// TestKeyLimitsStoreDown: when the store fails, a limited key is served
// (fail open, logged), and nothing is left held.
func TestKeyLimitsStoreDown(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 30, 0, time.UTC)
	st := &countingStore{Store: store.NewMemory(), fail: errors.New("dynamo: connection refused")}
	kl := &keyLimits{win: newWindows(st, true), st: st, log: slog.New(slog.DiscardHandler), holder: "i"}
	key := &config.Key{Name: "k", Limits: &config.KeyLimits{RequestsPerMinute: 1, TokensPerMinute: 100000}}
	for i := 0; i < 3; i++ {
		h, err := kl.admit(ctx, key, &chat.Request{Messages: []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}}, now, now.Add(time.Minute))
		if err != nil || h == nil {
			t.Fatalf("request %d with the store down: %v", i, err)
		}
		h.release(ctx, now)
	}
}
