package cli

import (
	"context"
	"time"
)

// WithRollupTicks makes serve roll metrics up on the given ticks instead
// of its ticker.
func WithRollupTicks(ctx context.Context, ticks <-chan time.Time) context.Context {
	return context.WithValue(ctx, rollupTicksKey{}, ticks)
}
