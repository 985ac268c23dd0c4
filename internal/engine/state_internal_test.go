package engine

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// TestLocalStateUpdatesAreNotLost: many requests changing this instance's
// own in-flight counts and cooldowns at once all land in its cached view
// (copy-on-write under a lock), so a burst cannot leave a target looking
// idle (a negative count) or forget a cooldown.
func TestLocalStateUpdatesAreNotLost(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s := newSharedState(store.NewMemory(), func() time.Time { return now }, slog.New(slog.DiscardHandler), config.Cooldown{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.addInFlight(ctx, "i", "p/a", 1)
		}()
	}
	wg.Wait()
	if got := (*s.inflight.val.Load())["p/a"]; got != 200 {
		t.Errorf("after 200 concurrent +1: %d in flight", got)
	}
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.addInFlight(ctx, "i", "p/a", -1)
		}()
	}
	wg.Wait()
	if got := (*s.inflight.val.Load())["p/a"]; got != 0 {
		t.Errorf("after 200 concurrent −1: %d in flight, want 0", got)
	}
	// Once its zero is written, an idle target leaves no bookkeeping behind.
	s.publishInFlight(ctx, "i", true)
	s.mu.Lock()
	left := len(s.mine) + len(s.published) + len(s.dirty)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("an idle target's bookkeeping is kept: mine %v, published %v, dirty %v", s.mine, s.published, s.dirty)
	}

	s.coolingDown(now) // loaded: no refresh replaces the view during the burst
	targets := []string{"p/a", "p/b", "p/c", "p/d", "p/e", "p/f", "p/g", "p/h"}
	for _, target := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.remember(target, now.Add(time.Minute))
		}()
	}
	wg.Wait()
	if got := len(*s.cooldowns.val.Load()); got != len(targets) {
		t.Errorf("%d cooldowns remembered of %d set at once", got, len(targets))
	}
}
