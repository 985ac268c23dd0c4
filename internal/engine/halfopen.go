package engine

import (
	"context"
	"time"
)

// A target whose cooldown has ended is half-open until a probe shows what
// it is: one request at a time, across instances, tries it (the probe);
// every other request keeps it at the back of its candidates, as if it
// were still cooling down. The probe's success clears the cooldown; its
// failure renews it. Without this, every request in flight when a
// cooldown ends tries the broken target at once, each waiting out its
// attempt timeout, and then again at each later expiry.
//
// The store arbitrates between instances (store.ClaimProbe, a
// conditional write); within a process a local mark keeps the other
// requests from asking the store at all, and keeps arbitrating when the
// store cannot.

// probeRecheck is how long a process waits after a lost claim before it
// asks the store again: by then its snapshot (refreshed every
// refreshEvery) shows the probe's outcome, or the holder's lease has
// ended and a new claim may win.
const probeRecheck = refreshEvery

// probeLease is how long a probe holds its target: the cooldown's own
// duration. A holder that never reports (a crashed instance, a request
// that ended before its attempt) keeps the target out for at most that
// much longer; a probe slower than that lets a second one through.
func (s *sharedState) probeLease() time.Duration { return s.cool }

// halfOpen reports whether target's cooldown has ended at now without a
// probe having cleared or renewed it yet.
func (s *sharedState) halfOpen(target string, now time.Time) bool {
	until, ok := s.coolingDown(now)[target]
	return ok && !until.After(now)
}

// claimProbe reports whether a request may try target now: always when
// it is not half-open; when it is, only for the one request that claims
// the probe.
func (s *sharedState) claimProbe(ctx context.Context, target string) bool {
	if s.thresh < 0 {
		return true
	}
	now := s.now()
	if !s.halfOpen(target, now) {
		return true
	}
	lease := now.Add(s.probeLease())
	s.mu.Lock()
	if s.probes[target].After(now) {
		s.mu.Unlock()
		return false // this process probes it already, or lost the claim lately
	}
	s.probes[target] = lease // taken here first, so this process asks the store once
	s.mu.Unlock()

	wctx, cancel := context.WithTimeout(ctx, requestPathStoreTimeout)
	won, err := s.st.ClaimProbe(wctx, target, now, lease)
	cancel()
	if err != nil {
		// The store cannot arbitrate; this process's mark still does.
		s.log.Warn("probe claim failed; probing from this instance", "target", target, "err", err)
		return true
	}
	if !won {
		// Another instance probes it, or the cooldown was renewed or
		// cleared since the snapshot: ask again after the next refresh.
		s.mu.Lock()
		s.probes[target] = now.Add(probeRecheck)
		s.mu.Unlock()
		return false
	}
	return true
}

// dropProbe forgets this process's mark on target: a probe reported, or
// a cooldown was set or cleared.
func (s *sharedState) dropProbe(target string) {
	s.mu.Lock()
	delete(s.probes, target)
	s.mu.Unlock()
}
