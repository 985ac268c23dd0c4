package aggregate

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// Loop rolls buckets up on every tick, so a long-running server's
// strategies (optimized, latency, least_loaded's stats) adapt with no call
// to GET /v1/metrics. Under Lambda the scheduled aggregator function does
// the same once a minute.
type Loop struct {
	Metrics store.Metrics
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Fresh skips a tick when the newest stored stats are younger than
	// this: another instance (or the Lambda aggregator, or a /v1/metrics
	// call) rolled up just now, and a run reads 24 h of buckets. 0 never
	// skips.
	Fresh time.Duration
	// Flush, when set, runs before each roll-up so this instance's
	// buffered samples are counted (the engine's Flush).
	Flush func(ctx context.Context) error
	// Rolled, when set, runs after each roll-up this instance made or
	// skipped as fresh, so the engine reloads stats now rather than
	// within its 5 s refresh (Engine.RefreshSharedState).
	Rolled func(ctx context.Context) error
	// Timeout bounds one tick's work; 0 means 30 s.
	Timeout time.Duration
	Log     *slog.Logger
}

// Run handles ticks until ctx ends or ticks is closed. Ticks are handled
// one at a time: a tick that arrives during a roll-up waits for it.
func (l *Loop) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ticks:
			if !ok {
				return
			}
			if err := l.Tick(ctx); err != nil && ctx.Err() == nil {
				l.log().Warn("metrics roll-up failed; strategies keep the previous stats", "err", err)
			}
		}
	}
}

// Tick flushes, rolls up unless the stored stats are fresh, and reports
// the result to Rolled.
func (l *Loop) Tick(ctx context.Context) error {
	timeout := l.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if l.Flush != nil {
		if err := l.Flush(ctx); err != nil {
			// Roll up what the store has; the unflushed samples count next time.
			l.log().Warn("metric samples not flushed before roll-up", "err", err)
		}
	}
	now := l.now()
	fresh, err := l.fresh(ctx, now)
	if err != nil {
		return err
	}
	if !fresh {
		if _, err := Run(ctx, l.Metrics, now); err != nil {
			return err
		}
	}
	if l.Rolled != nil {
		if err := l.Rolled(ctx); err != nil {
			return fmt.Errorf("aggregate: after roll-up: %w", err)
		}
	}
	return nil
}

// fresh reports whether stored stats were rolled up within l.Fresh.
func (l *Loop) fresh(ctx context.Context, now time.Time) (bool, error) {
	if l.Fresh <= 0 {
		return false, nil
	}
	stats, err := l.Metrics.LoadStats(ctx)
	if err != nil {
		return false, fmt.Errorf("aggregate: read stats: %w", err)
	}
	for _, st := range stats {
		if age := now.Sub(st.UpdatedAt); age >= 0 && age < l.Fresh {
			return true, nil
		}
	}
	return false, nil
}

func (l *Loop) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Loop) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.New(slog.DiscardHandler)
}
