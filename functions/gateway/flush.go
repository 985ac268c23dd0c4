package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/switchyard-llm/switchyard/internal/engine"
)

// flusher writes what an invocation leaves behind (metric samples, budget
// corrections, in-flight counts) before its response ends: once the
// runtime has sent the whole response Lambda may freeze the process,
// queued writes included.
//
// Flushes run one at a time. Under Lambda Managed Instances several
// invocations finish concurrently in one process, and the engine takes a
// snapshot of a count and writes it without holding its lock: two
// overlapping flushes could land out of order, an older "1 in flight"
// overwriting a newer "0" and leaving a finished request counted as in
// flight for the counts' TTL (5 minutes), steering least_loaded away from
// an idle target. Serialised, the last write is always of the latest
// count. A flush is a few DynamoDB writes (milliseconds); at 64
// concurrent 6-second streams per environment that is ~11 flushes a
// second, far below what one lock can pass.
type flusher struct {
	mu sync.Mutex
	// waited, if set, is called when a flush has to wait for another
	// (tests observe the serialisation through it).
	waited func()
}

// flush writes before's queued state and, after a config reload swapped
// engines during the request, after's too.
func (f *flusher) flush(ctx context.Context, log *slog.Logger, before, after *engine.Engine) {
	if !f.mu.TryLock() {
		if f.waited != nil {
			f.waited()
		}
		f.mu.Lock()
	}
	defer f.mu.Unlock()
	// Queued metric samples, and budget corrections old enough to write
	// (newer ones ride on this instance's next reservation; one held back
	// by a frozen or recycled instance only overstates spend).
	if err := before.Flush(ctx, false); err != nil {
		log.Warn("metrics flush incomplete", "err", err)
	}
	// In-flight counts cannot wait for a later flush: a frozen container
	// would leave its finished requests counted as in flight.
	before.PublishInFlight(ctx)
	if after != before {
		_ = after.Flush(ctx, false)
	}
}
