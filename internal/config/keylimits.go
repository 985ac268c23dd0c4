package config

import (
	"fmt"
	"time"
)

// KeyLimits bound what one key may use (DESIGN §9). A zero field is no
// limit. Counts are exact across gateway instances: they are kept in the
// shared store (docs/config.md, "Keys and limits").
type KeyLimits struct {
	// RequestsPerMinute counts requests per fixed UTC minute.
	RequestsPerMinute int64 `yaml:"requests_per_minute,omitempty"`
	// TokensPerMinute counts tokens per fixed UTC minute: a request holds
	// its estimate (input estimate + its output limit) before it is
	// served and is settled to the tokens it really used.
	TokensPerMinute int64 `yaml:"tokens_per_minute,omitempty"`
	// MaxConcurrent bounds the key's requests in progress.
	MaxConcurrent int64 `yaml:"max_concurrent,omitempty"`
}

// Any reports whether l limits anything.
func (l *KeyLimits) Any() bool {
	return l != nil && (l.RequestsPerMinute > 0 || l.TokensPerMinute > 0 || l.MaxConcurrent > 0)
}

// ProviderLimits is a provider account's quota per fixed UTC minute. A
// zero field is no limit.
type ProviderLimits struct {
	RequestsPerMinute int64 `yaml:"requests_per_minute,omitempty"`
	TokensPerMinute   int64 `yaml:"tokens_per_minute,omitempty"`
}

// Any reports whether l limits anything.
func (l *ProviderLimits) Any() bool {
	return l != nil && (l.RequestsPerMinute > 0 || l.TokensPerMinute > 0)
}

// MaxRateLimit bounds every per-minute or concurrency limit: far above
// any real quota, and low enough that counters never near overflow.
const MaxRateLimit = 1 << 40

// Expiry is when the key stops working; ok is false when it never does
// (or expires_at does not parse, which Validate reports).
func (k *Key) Expiry() (time.Time, bool) {
	if k.ExpiresAt == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, k.ExpiresAt)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// AllowsModel reports whether the key may be served by target
// ("provider/model"): models is empty, or one of its globs matches.
func (k *Key) AllowsModel(target string) bool {
	if k == nil || len(k.Models) == 0 {
		return true
	}
	for _, g := range k.Models {
		if globMatch(g, target) {
			return true
		}
	}
	return false
}

// validateKeyExtras checks a key's limits, expires_at and models.
func validateKeyExtras(errs *Errors, p string, k Key, isAdmin bool) {
	if isAdmin && (k.Limits != nil || len(k.Models) > 0) {
		errs.add(p, "limits and models apply to keys, not admin_keys")
	}
	if k.ExpiresAt != "" {
		if _, err := time.Parse(time.RFC3339, k.ExpiresAt); err != nil {
			errs.add(p+".expires_at", "must be an RFC 3339 time such as 2027-01-31T00:00:00Z")
		}
	}
	for i, g := range k.Models {
		if g == "" {
			errs.add(fmt.Sprintf("%s.models[%d]", p, i), "must not be empty")
		}
	}
	if l := k.Limits; l != nil {
		checkLimit(errs, p+".limits.requests_per_minute", l.RequestsPerMinute)
		checkLimit(errs, p+".limits.tokens_per_minute", l.TokensPerMinute)
		checkLimit(errs, p+".limits.max_concurrent", l.MaxConcurrent)
	}
}

// validateProviderLimits checks a provider's quota.
func validateProviderLimits(errs *Errors, p string, l *ProviderLimits) {
	if l == nil {
		return
	}
	checkLimit(errs, p+".limits.requests_per_minute", l.RequestsPerMinute)
	checkLimit(errs, p+".limits.tokens_per_minute", l.TokensPerMinute)
}

func checkLimit(errs *Errors, path string, v int64) {
	if v < 0 || v > MaxRateLimit {
		errs.add(path, "must be between 0 (no limit) and %d", int64(MaxRateLimit))
	}
}
