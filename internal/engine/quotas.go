package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
)

// quotas enforces providers.<name>.limits, the provider account's
// requests and tokens per minute, before any upstream call: an attempt
// takes one request and its token estimate from the provider's shared
// window counters, and a target whose provider has no room left is
// skipped (the next candidate serves) instead of paying for a 429 round
// trip. It also learns from the x-ratelimit-remaining-* (OpenAI) and
// anthropic-ratelimit-*-remaining (Anthropic) headers upstreams send: a
// provider that says it has nothing left is skipped until its reset,
// whether or not the config gives it limits.
type quotas struct {
	win    *windows
	limits map[string]*config.ProviderLimits
	log    *slog.Logger

	mu sync.Mutex
	// learned: until when a provider said its quota is used up.
	learned map[string]time.Time
}

func newQuotas(cfg *config.Config, win *windows, log *slog.Logger) *quotas {
	q := &quotas{win: win, limits: map[string]*config.ProviderLimits{}, log: log, learned: map[string]time.Time{}}
	for name, p := range cfg.Providers {
		if p.Limits.Any() {
			q.limits[name] = p.Limits
		}
	}
	return q
}

// quotaHold is what one attempt holds against its provider's quota.
type quotaHold struct {
	q      *quotas
	end    time.Time
	tokCtr string
	tokens int64
}

// skipQuota is the reason a trace gives for a target skipped for quota.
const skipQuota = "provider quota used up"

// admit holds one request (and its token estimate) against provider's
// quota. why is non-empty when the quota is used up: the target is to be
// skipped. A store failure lets the attempt through (logged).
func (q *quotas) admit(ctx context.Context, provider string, req *chat.Request, now time.Time) (*quotaHold, string) {
	if why := q.learnedUp(provider, now); why != "" {
		return nil, why
	}
	lim := q.limits[provider]
	if lim == nil {
		return nil, ""
	}
	start, end := minute(now)
	prefix := "provider#" + provider
	var rpmCtr string
	if lim.RequestsPerMinute > 0 {
		ctr := windowCounter(prefix+"#rpm", start)
		_, err := q.win.take(ctx, ctr, 1, lim.RequestsPerMinute, end, now)
		if errors.Is(err, errLimited) {
			return nil, fmt.Sprintf("%s: provider %q is at its requests_per_minute quota (%d) until %s", skipQuota, provider, lim.RequestsPerMinute, end.Format(time.RFC3339))
		}
		q.logErr(provider, err)
		if err == nil {
			rpmCtr = ctr
		}
	}
	h := &quotaHold{q: q, end: end}
	if lim.TokensPerMinute > 0 {
		need := estimateTokens(req)
		ctr := windowCounter(prefix+"#tpm", start)
		_, err := q.win.take(ctx, ctr, need, lim.TokensPerMinute, end, now)
		if errors.Is(err, errLimited) {
			if rpmCtr != "" {
				_ = q.win.give(context.WithoutCancel(ctx), rpmCtr, 1, end, now)
			}
			return nil, fmt.Sprintf("%s: provider %q is at its tokens_per_minute quota (%d) until %s", skipQuota, provider, lim.TokensPerMinute, end.Format(time.RFC3339))
		}
		q.logErr(provider, err)
		if err == nil {
			h.tokCtr, h.tokens = ctr, need
		}
	}
	return h, ""
}

func (q *quotas) logErr(provider string, err error) {
	if err != nil {
		q.log.Warn("provider quota not enforced: store failed", "provider", provider, "error", err.Error())
	}
}

// settle counts the attempt's real tokens (u nil: none were used, as
// after a failure before any answer; keep is true when tokens were used
// but not reported, so the estimate stands).
func (h *quotaHold) settle(ctx context.Context, u *chat.Usage, keep bool, now time.Time) {
	if h == nil || h.tokCtr == "" || keep {
		return
	}
	used := int64(0)
	if u != nil {
		used = int64(u.TotalTokens)
		if used <= 0 {
			used = int64(u.PromptTokens) + int64(u.CompletionTokens)
		}
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	if used < h.tokens {
		err = h.q.win.give(ctx, h.tokCtr, h.tokens-used, h.end, now)
	} else {
		err = h.q.win.spend(ctx, h.tokCtr, used-h.tokens, h.end, now)
	}
	if err != nil {
		h.q.log.Warn("provider quota: settling tokens failed", "error", err.Error())
	}
}

// peek is why provider's quota is used up as this instance knows it,
// without taking anything (explain); empty when it has room.
func (q *quotas) peek(provider string, now time.Time) string {
	if why := q.learnedUp(provider, now); why != "" {
		return why
	}
	lim := q.limits[provider]
	if lim == nil {
		return ""
	}
	start, end := minute(now)
	prefix := "provider#" + provider
	if lim.RequestsPerMinute > 0 && q.win.seen(windowCounter(prefix+"#rpm", start)) >= lim.RequestsPerMinute {
		return fmt.Sprintf("%s: provider %q is at its requests_per_minute quota (%d) until %s", skipQuota, provider, lim.RequestsPerMinute, end.Format(time.RFC3339))
	}
	if lim.TokensPerMinute > 0 && q.win.seen(windowCounter(prefix+"#tpm", start)) >= lim.TokensPerMinute {
		return fmt.Sprintf("%s: provider %q is at its tokens_per_minute quota (%d) until %s", skipQuota, provider, lim.TokensPerMinute, end.Format(time.RFC3339))
	}
	return ""
}

func (q *quotas) learnedUp(provider string, now time.Time) string {
	q.mu.Lock()
	until, ok := q.learned[provider]
	q.mu.Unlock()
	if !ok || !now.Before(until) {
		return ""
	}
	return fmt.Sprintf("%s: provider %q said it has no quota left until %s", skipQuota, provider, until.UTC().Format(time.RFC3339))
}

// learn reads an upstream answer's rate-limit headers: when the provider
// says no requests (or no tokens) remain, it is skipped until the reset
// it names.
func (q *quotas) learn(provider string, h http.Header, now time.Time) {
	var until time.Time
	for _, p := range [...]struct{ remaining, reset string }{
		{"X-Ratelimit-Remaining-Requests", "X-Ratelimit-Reset-Requests"},
		{"X-Ratelimit-Remaining-Tokens", "X-Ratelimit-Reset-Tokens"},
		{"Anthropic-Ratelimit-Requests-Remaining", "Anthropic-Ratelimit-Requests-Reset"},
		{"Anthropic-Ratelimit-Tokens-Remaining", "Anthropic-Ratelimit-Tokens-Reset"},
	} {
		v := h.Get(p.remaining)
		if v == "" {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n > 0 {
			continue
		}
		if t, ok := parseReset(h.Get(p.reset), now); ok && t.After(until) {
			until = t
		}
	}
	if until.IsZero() {
		return
	}
	q.mu.Lock()
	if until.After(q.learned[provider]) {
		q.learned[provider] = until
	}
	q.mu.Unlock()
}

// maxLearnedReset bounds how long one upstream answer can set a provider
// aside: a wrong header must not remove it for a day.
const maxLearnedReset = 2 * time.Minute

// parseReset reads a reset header: OpenAI's duration ("1s", "6m0s",
// "20ms") or Anthropic's RFC 3339 time. Unparsable or absent: ok false.
func parseReset(v string, now time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	var t time.Time
	if d, err := time.ParseDuration(v); err == nil {
		t = now.Add(d)
	} else if at, err := time.Parse(time.RFC3339, v); err == nil {
		t = at
	} else {
		return time.Time{}, false
	}
	if t.After(now.Add(maxLearnedReset)) {
		t = now.Add(maxLearnedReset)
	}
	return t, t.After(now)
}

// learningTransport passes a provider's upstream answers to quotas.learn.
type learningTransport struct {
	next     http.RoundTripper
	q        *quotas
	provider string
	now      func() time.Time
}

func (t learningTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		t.q.learn(t.provider, resp.Header, t.now())
	}
	return resp, err
}

// learningClient wraps hc so that provider's answers feed quotas.learn;
// it keeps hc's redirect policy (never follow).
func (q *quotas) learningClient(hc *http.Client, provider string, now func() time.Time) *http.Client {
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c := *hc
	c.Transport = learningTransport{next: next, q: q, provider: provider, now: now}
	return &c
}

// quotaSkip is a target skipped because its provider's quota was used up.
type quotaSkip struct {
	target, why string
}

// CodeProviderQuota is the error code of a request whose every candidate
// was skipped for its provider's quota.
const CodeProviderQuota = "provider_quota_exceeded"

// quotaFailure is the 429 of a request that made no attempt because the
// quota of every candidate's provider was used up: an upstream call
// would only have paid for the provider's own 429.
func quotaFailure(skips []quotaSkip, now time.Time) *Error {
	_, end := minute(now)
	msg := "every candidate's provider quota is used up"
	for _, s := range skips {
		msg += "; " + s.target + ": " + s.why
	}
	e := newError(statusTooManyRequests, TypeRateLimit, CodeProviderQuota, msg)
	e.RetryAfter = max(1, int((end.Sub(now)+time.Second-1)/time.Second))
	return e
}
