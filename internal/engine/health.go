package engine

import (
	"context"
	"time"

	"github.com/switchyard-llm/switchyard/internal/routing"
)

// health is the cooldown tracker as the attempt loop sees it: which
// targets are cooling down (left out of the try order), which half-open
// target this request may probe, and each attempt's outcome, which
// counts towards a cooldown or ends one. The implementation is
// sharedState's cooldown tracker (cooldown.go, halfopen.go). It stays in
// this package because its cooldowns live in the one snapshot of shared
// state (state.go, digest.go) that also serves the strategies' stats and
// in-flight counts off a single store read: a package of its own would
// have to export that cache or refresh a second copy. Tests put a fake
// in Engine.health.
type health interface {
	// isCooling reports whether target is in a running cooldown at now.
	isCooling(target string, now time.Time) bool
	// claimProbe reports whether this request may try target now: always
	// unless it is half-open, and then only for the one request that
	// claims its probe.
	claimProbe(ctx context.Context, target string) bool
	// recordOutcome counts an attempt's outcome (err nil: it served)
	// towards target's cooldown.
	recordOutcome(ctx context.Context, target string, err error)
}

var _ health = (*sharedState)(nil)

// orderByHealth drops targets in cooldown, unless every candidate is
// cooling down: then all are tried anyway, in plan order.
func (e *Engine) orderByHealth(cands []routing.Candidate) []routing.Candidate {
	now := e.deps.Now()
	healthy := cands[:0:0]
	for _, c := range cands {
		if !e.health.isCooling(c.Key, now) {
			healthy = append(healthy, c)
		}
	}
	if len(healthy) == 0 {
		return cands
	}
	return healthy
}

// admitProbe readies candidate ci for its first attempt. A half-open
// target that this request may not probe moves to the back of its
// candidates, and the next one takes its place at ci; it is tried from
// the back only if the request gets there (everything before it failed),
// as when every candidate is cooling down. Each target moves at most
// once per request.
func (e *Engine) admitProbe(ctx context.Context, ru *run, ci int) {
	for left := len(ru.candidates) - ci; left > 0; left-- {
		c := ru.candidates[ci]
		if ru.deferred[c.Key] || e.health.claimProbe(ctx, c.Key) {
			return // free to try, or back here: nothing before it served the request
		}
		if ru.deferred == nil {
			ru.deferred = map[string]bool{}
		}
		ru.deferred[c.Key] = true
		if ci == len(ru.candidates)-1 {
			return // nothing else to try
		}
		next := make([]routing.Candidate, 0, len(ru.candidates))
		next = append(next, ru.candidates[:ci]...)
		next = append(next, ru.candidates[ci+1:]...)
		ru.candidates = append(next, c)
	}
}
