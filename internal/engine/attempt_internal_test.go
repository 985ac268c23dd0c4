package engine

import (
	"errors"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestPolicyNext: the policy step's decisions after a failed attempt, on
// the engine's clock (no sleeping: it only says how long to wait).
func TestPolicyNext(t *testing.T) {
	pol := PolicyFor(nil) // 2 retries, 250ms initial backoff, 20s max Retry-After
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	far := now.Add(time.Minute)
	rate := &provider.Error{Class: provider.ClassRateLimit, Status: 429}
	rateAfter := func(d time.Duration) error {
		return &provider.Error{Class: provider.ClassRateLimit, Status: 429, RetryAfter: d}
	}
	half := func() float64 { return 0.5 }
	for _, tc := range []struct {
		name     string
		err      error
		retry    int
		deadline time.Time
		want     step
	}{
		{"server error: next", &provider.Error{Class: provider.ClassServer, Status: 503}, 0, far, step{kind: stepNext, action: Next}},
		{"bad request: stop", &provider.Error{Class: provider.ClassInvalidRequest, Status: 400}, 0, far, step{kind: stepStop, action: Fail}},
		{"caller gone: stop", &provider.Error{Class: provider.ClassCanceled}, 0, far, step{kind: stepStop, action: Stop}},
		{"rate limit: retry, jittered backoff", rate, 0, far, step{kind: stepRetry, action: Retry, wait: 125 * time.Millisecond}},
		{"second retry doubles", rate, 1, far, step{kind: stepRetry, action: Retry, wait: 250 * time.Millisecond}},
		{"retries used up: next", rate, 2, far, step{kind: stepNext, action: Retry}},
		{"Retry-After honoured", rateAfter(3 * time.Second), 0, far, step{kind: stepRetry, action: Retry, wait: 3 * time.Second}},
		{"Retry-After too long: next", rateAfter(time.Hour), 0, far, step{kind: stepNext, action: Retry}},
		{"backoff past the deadline floor: next", rateAfter(3 * time.Second), 0, now.Add(3*time.Second + minAttemptTime), step{kind: stepNext, action: Retry}},
		{"non-provider error: next", errors.New("dial"), 0, far, step{kind: stepNext, action: Next}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			att := &attempt{retry: tc.retry, out: attemptOut{err: tc.err}}
			if got := pol.next(att, now, tc.deadline, half); got != tc.want {
				t.Errorf("next = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestPolicyStartable: max_attempts and the deadline floor bound every
// attempt, the deadline being reported as the reason only when it is.
func TestPolicyStartable(t *testing.T) {
	pol := PolicyFor(nil)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name            string
		attempts        int
		deadline        time.Time
		wantOK, wantHit bool
	}{
		{"first attempt", 0, now.Add(time.Minute), true, false},
		{"max attempts reached", pol.MaxAttempts, now.Add(time.Minute), false, false},
		{"under the floor", 1, now.Add(minAttemptTime - time.Millisecond), false, true},
		{"at the floor", 1, now.Add(minAttemptTime), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, hit := pol.startable(tc.attempts, now, tc.deadline)
			if ok != tc.wantOK || hit != tc.wantHit {
				t.Errorf("startable = %v, %v; want %v, %v", ok, hit, tc.wantOK, tc.wantHit)
			}
		})
	}
}
