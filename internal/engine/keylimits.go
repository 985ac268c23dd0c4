package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// RateLimit is a limited key's standing after its request was admitted
// (or refused): the HTTP layer sends it as OpenAI's x-ratelimit-* headers.
// A zero Limit means that dimension is not limited.
type RateLimit struct {
	LimitRequests, RemainingRequests int64
	ResetRequests                    time.Duration
	LimitTokens, RemainingTokens     int64
	ResetTokens                      time.Duration
}

// KeyLimitSink is the optional part of a MetricSink that counts requests
// refused by a key's limits, by key name and limit.
type KeyLimitSink interface {
	KeyLimited(key, limit string)
}

// CodeKeyRateLimit is the error code of a request over its key's limits.
const CodeKeyRateLimit = "key_rate_limit_exceeded"

// keyLimits enforces keys[].limits: requests and tokens per fixed UTC
// minute in shared window counters (windows), and concurrent requests as
// one lease per request on a shared counter, so that a crashed instance's
// slots come back once their lease ends (reclaimed by the first request
// that finds the key full).
type keyLimits struct {
	// sink, when it is a KeyLimitSink, counts refusals (Prometheus).
	sink   MetricSink
	win    *windows
	st     store.Budgets
	log    *slog.Logger
	holder string
	seq    atomic.Uint64
}

// concurrentGrace is how long past its request's deadline a concurrency
// lease stays unreclaimable: a request still running holds its slot.
const concurrentGrace = time.Minute

// concurrentCounterTTL keeps a key's concurrency counter while it is used.
const concurrentCounterTTL = 24 * time.Hour

// keyHold is what one request holds against its key's limits until it
// ends. A nil *keyHold (an unlimited key) does nothing.
type keyHold struct {
	kl     *keyLimits
	end    time.Time // the minute window's end
	tokCtr string
	tokens int64 // held for the request
	used   int64 // tokens really used, once known
	known  bool
	conc   *store.Lease
	status RateLimit
}

// estimateTokens is what a request holds against tokens_per_minute: the
// input estimate plus its output limit (pricing.DefaultOutputTokens when
// it sets none), times n.
func estimateTokens(req *chat.Request) int64 {
	return int64(pricing.EstimateInputTokens(req)) + int64(pricing.Price{}.OutputTokens(req))
}

// admit holds one request against key's limits: one request of the
// minute, its token estimate, one concurrent slot. Over any limit it
// holds nothing and returns the 429. A store failure lets the request
// through (logged): a rate limit protects fairness, and an outage of the
// store must not take every limited key down with it.
func (kl *keyLimits) admit(ctx context.Context, key *config.Key, req *chat.Request, now, deadline time.Time) (*keyHold, *Error) {
	if key == nil || !key.Limits.Any() {
		return nil, nil
	}
	lim := key.Limits
	start, end := minute(now)
	reset := end.Sub(now)
	h := &keyHold{kl: kl, end: end}
	prefix := "key#" + key.Name
	rpmCtr := ""
	// refuse undoes what was held before a later limit refused the
	// request: a refused request counts for nothing.
	refuse := func(e *Error) (*keyHold, *Error) {
		h.release(ctx, now)
		if rpmCtr != "" {
			_ = kl.win.give(context.WithoutCancel(ctx), rpmCtr, 1, end, now)
			e.RateLimit.RemainingRequests++
		}
		return nil, e
	}
	// Every dimension's standing goes on the answer, a refusal's too.
	var ctr string
	if lim.RequestsPerMinute > 0 {
		ctr = windowCounter(prefix+"#rpm", start)
		h.status.LimitRequests, h.status.ResetRequests = lim.RequestsPerMinute, reset
		h.status.RemainingRequests = max(0, lim.RequestsPerMinute-kl.win.seen(ctr))
	}
	if lim.TokensPerMinute > 0 {
		h.tokCtr = windowCounter(prefix+"#tpm", start)
		h.status.LimitTokens, h.status.ResetTokens = lim.TokensPerMinute, reset
		h.status.RemainingTokens = max(0, lim.TokensPerMinute-kl.win.seen(h.tokCtr))
	}
	if lim.RequestsPerMinute > 0 {
		rem, err := kl.win.take(ctx, ctr, 1, lim.RequestsPerMinute, end, now)
		if errors.Is(err, errLimited) {
			return nil, kl.over(key, "requests_per_minute", lim.RequestsPerMinute, reset, h.status, false)
		}
		kl.logStoreErr(key, err)
		if err == nil {
			rpmCtr = ctr
			h.status.RemainingRequests = max(0, rem)
		}
	}
	if lim.TokensPerMinute > 0 {
		need := estimateTokens(req)
		rem, err := kl.win.take(ctx, h.tokCtr, need, lim.TokensPerMinute, end, now)
		if errors.Is(err, errLimited) {
			e := kl.over(key, "tokens_per_minute", lim.TokensPerMinute, reset, h.status, need > lim.TokensPerMinute)
			if need > lim.TokensPerMinute {
				e.Message = fmt.Sprintf("this request may use %d tokens (input estimate + max_tokens), more than key %q's tokens_per_minute limit (%d): lower max_tokens", need, key.Name, lim.TokensPerMinute)
			}
			return refuse(e)
		}
		kl.logStoreErr(key, err)
		if err == nil {
			h.tokens = need
			h.status.RemainingTokens = max(0, rem)
		}
	}
	if lim.MaxConcurrent > 0 {
		l, err := kl.takeSlot(ctx, key, now, deadline)
		if errors.Is(err, store.ErrBudgetExceeded) {
			e := kl.over(key, "max_concurrent", lim.MaxConcurrent, time.Second, h.status, false)
			e.Message = fmt.Sprintf("key %q already has %d requests in progress (max_concurrent)", key.Name, lim.MaxConcurrent)
			return refuse(e)
		}
		kl.logStoreErr(key, err)
		h.conc = l
	}
	return h, nil
}

// over is the 429 for a key over one of its limits. never is true when
// waiting cannot help (a request larger than the whole limit).
func (kl *keyLimits) over(key *config.Key, what string, limit int64, reset time.Duration, st RateLimit, never bool) *Error {
	if s, ok := kl.sink.(KeyLimitSink); ok {
		s.KeyLimited(key.Name, what)
	}
	e := newError(statusTooManyRequests, TypeRateLimit, CodeKeyRateLimit,
		fmt.Sprintf("key %q is over its %s limit (%d); retry in %s", key.Name, what, limit, reset.Round(time.Second)))
	e.RetryAfter = max(1, int((reset+time.Second-1)/time.Second))
	e.NoRetry = never
	switch what {
	case "requests_per_minute":
		st.RemainingRequests = 0
	case "tokens_per_minute":
		st.RemainingTokens = 0
	}
	e.RateLimit = &st
	return e
}

func (kl *keyLimits) logStoreErr(key *config.Key, err error) {
	if err != nil {
		kl.log.Warn("key rate limit not enforced: store failed", "key", key.Name, "error", err.Error())
	}
}

// takeSlot takes one of key's concurrent slots as a lease that ends a
// little after the request's deadline. When the key is full, leases whose
// end has passed (their instance died holding them) are reclaimed and the
// take is tried once more.
func (kl *keyLimits) takeSlot(ctx context.Context, key *config.Key, now, deadline time.Time) (*store.Lease, error) {
	l := store.Lease{Counter: "key#" + key.Name + "#concurrent", Holder: kl.holder + "/" + strconv.FormatUint(kl.seq.Add(1), 10),
		Granted: 1, Expires: deadline.Add(concurrentGrace), CounterExpires: now.Add(concurrentCounterTTL)}
	_, err := kl.st.TakeLease(ctx, l, key.Limits.MaxConcurrent)
	if errors.Is(err, store.ErrBudgetExceeded) && kl.reclaim(ctx, l.Counter, now) > 0 {
		_, err = kl.st.TakeLease(ctx, l, key.Limits.MaxConcurrent)
	}
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// reclaim returns counter's leases whose end has passed; how many.
func (kl *keyLimits) reclaim(ctx context.Context, counter string, now time.Time) int {
	open, err := kl.st.OpenLeases(ctx, counter)
	if err != nil {
		return 0
	}
	n := 0
	for _, l := range open {
		if l.Expires.Before(now) {
			l.Used = store.Reclaim
			if kl.st.ReturnLease(ctx, l) == nil {
				n++
			}
		}
	}
	return n
}

// setUsage records the tokens the request really used.
func (h *keyHold) setUsage(u *chat.Usage) {
	if h == nil || u == nil {
		return
	}
	total := int64(u.TotalTokens)
	if total <= 0 {
		total = int64(u.PromptTokens) + int64(u.CompletionTokens)
	}
	h.used, h.known = total, true
}

// release ends the request's hold: tokens are settled to the real usage
// (all of the estimate given back when nothing was served; the estimate
// kept when the usage is unknown), and the concurrent slot is returned.
func (h *keyHold) release(ctx context.Context, now time.Time) {
	if h == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if h.tokCtr != "" && h.tokens > 0 {
		used := h.tokens
		if h.known {
			used = h.used
		}
		var err error
		if used < h.tokens {
			err = h.kl.win.give(ctx, h.tokCtr, h.tokens-used, h.end, now)
		} else {
			err = h.kl.win.spend(ctx, h.tokCtr, used-h.tokens, h.end, now)
		}
		if err != nil {
			h.kl.log.Warn("key rate limit: settling tokens failed", "error", err.Error())
		}
		h.tokens = 0
	}
	if h.conc != nil {
		if err := h.kl.st.ReturnLease(ctx, *h.conc); err != nil && !errors.Is(err, store.ErrNotFound) {
			h.kl.log.Warn("key rate limit: returning a concurrent slot failed (it comes back when its lease ends)", "error", err.Error())
		}
		h.conc = nil
	}
}

// rateLimit is the status for the response headers; nil for no limits.
func (h *keyHold) rateLimit() *RateLimit {
	if h == nil {
		return nil
	}
	st := h.status
	return &st
}
