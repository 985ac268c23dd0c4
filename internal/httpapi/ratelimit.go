package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/switchyard-llm/switchyard/internal/engine"
)

// setRateLimitHeaders writes OpenAI's x-ratelimit-* headers for a key
// with limits (DESIGN §9), which OpenAI clients already read: limit,
// remaining and reset (a duration such as "17s") of requests and tokens
// per minute. Nothing for a key without them.
func setRateLimitHeaders(h http.Header, rl *engine.RateLimit) {
	if rl == nil {
		return
	}
	if rl.LimitRequests > 0 {
		h.Set("X-Ratelimit-Limit-Requests", strconv.FormatInt(rl.LimitRequests, 10))
		h.Set("X-Ratelimit-Remaining-Requests", strconv.FormatInt(rl.RemainingRequests, 10))
		h.Set("X-Ratelimit-Reset-Requests", resetString(rl.ResetRequests))
	}
	if rl.LimitTokens > 0 {
		h.Set("X-Ratelimit-Limit-Tokens", strconv.FormatInt(rl.LimitTokens, 10))
		h.Set("X-Ratelimit-Remaining-Tokens", strconv.FormatInt(rl.RemainingTokens, 10))
		h.Set("X-Ratelimit-Reset-Tokens", resetString(rl.ResetTokens))
	}
}

// resetString prints a reset as OpenAI does: whole seconds rounded up
// ("17s"), or milliseconds under a second ("250ms").
func resetString(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	if d < time.Second {
		return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10) + "ms"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10) + "s"
}
