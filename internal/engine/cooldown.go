package engine

import (
	"context"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// The cooldown tracker (the health interface's implementation, with the
// half-open probes of halfopen.go): consecutive failures per target on
// this instance put it in a cooldown shared through the store, which
// every instance reads from its snapshot of shared state (state.go).

// isCooling reports whether target is in cooldown at now.
func (s *sharedState) isCooling(target string, now time.Time) bool {
	until, ok := s.coolingDown(now)[target]
	return ok && until.After(now)
}

// recordOutcome counts consecutive failures and puts a target in cooldown
// after the threshold; a credential failure cools it down at once. A
// target with a cooldown, running or half-open, is healthy again on its
// first success (the probe's) and cooled down again on its first failure:
// a half-open target has not earned a fresh count of failures.
func (s *sharedState) recordOutcome(ctx context.Context, target string, err error) {
	if s.thresh < 0 {
		return
	}
	now := s.now()
	_, held := s.coolingDown(now)[target]
	if err == nil {
		s.mu.Lock()
		delete(s.failures, target)
		s.mu.Unlock()
		if held {
			wctx, cancel := context.WithTimeout(ctx, requestPathStoreTimeout)
			if err := s.st.ClearCooldown(wctx, target); err != nil {
				s.log.Warn("cooldown clear failed", "target", target, "err", err)
			}
			cancel()
			s.forget(target)
		}
		return
	}
	class := provider.ClassOf(err)
	switch class {
	case provider.ClassInvalidRequest, provider.ClassUnsupported, provider.ClassCanceled, provider.ClassContextLength:
		return // not the target's fault
	}
	s.mu.Lock()
	s.failures[target]++
	n := s.failures[target]
	s.mu.Unlock()
	if n >= s.thresh || class == provider.ClassAuth || s.halfOpen(target, now) {
		until := now.Add(s.cool)
		wctx, cancel := context.WithTimeout(ctx, requestPathStoreTimeout)
		defer cancel()
		if err := s.st.SetCooldown(wctx, target, until); err != nil {
			s.log.Warn("cooldown write failed", "target", target, "err", err)
		}
		s.remember(target, until)
		if s.onCool != nil {
			s.onCool(target)
		}
	}
}

// remember/forget update the local snapshot at once, so this instance acts
// on its own observation without waiting for the next refresh.
func (s *sharedState) remember(target string, until time.Time) {
	s.coolingDown(s.now()) // loaded first, so the update does not stand in for the store's state
	s.cooldowns.update(func(cur map[string]time.Time) map[string]time.Time {
		next := make(map[string]time.Time, len(cur)+1)
		for k, v := range cur {
			next[k] = v
		}
		next[target] = until
		return next
	})
	s.digest.note(target, until, false, s.now())
	s.dropProbe(target)
}

func (s *sharedState) forget(target string) {
	s.coolingDown(s.now())
	s.cooldowns.update(func(cur map[string]time.Time) map[string]time.Time {
		next := make(map[string]time.Time, len(cur))
		for k, v := range cur {
			if k != target {
				next[k] = v
			}
		}
		return next
	})
	s.digest.note(target, time.Time{}, true, s.now())
	s.dropProbe(target)
}
