package store

import (
	"strings"
	"time"
)

// Sample is one attempt on one target, as metrics count it. The last
// attempt of a request is Final and carries the request-level facts
// (Fallback, cost). A request that one target serves at once is one
// sample, and so one store write.
type Sample struct {
	Target string // provider/model attempted
	Router string // top-level router name ("direct", "inline", ...)
	// Arm is the percentage arm or conditional route the request was
	// assigned on its way to Target (routing.Candidate.Arm), empty when
	// none. A fallback to another arm's target keeps the assigned arm, so
	// an experiment's figures are per assignment.
	Arm string
	// Operation is the API the request came in by (chat, embeddings,
	// messages, responses) for live metrics sinks (Prometheus); it is not
	// a dimension of the stored buckets.
	Operation string
	Time      time.Time
	// Success is true when the attempt succeeded.
	Success bool
	// Final is true for the attempt that ended the request (served it or
	// was the last to fail).
	Final bool
	// ErrorClass is the provider.Class of a failure, empty on success.
	ErrorClass string
	// LatencyMs and TTFTMs are milliseconds with microsecond resolution
	// (buckets keep whole microseconds): a 0.3 ms upstream is 0.3, not 0.
	LatencyMs  float64
	TTFTMs     float64 // streams only; 0 otherwise
	TokensIn   int64
	TokensOut  int64
	CostMicros int64
	// Fallback (Final only): a target other than the plan's first
	// candidate served the request.
	Fallback bool
	// Skipped marks a cooldown skip, not an attempt: the request passed
	// over Target because it was cooling down (or half-open with another
	// request probing it). Only Target, Router, Arm and Time are set; it
	// counts in Bucket.Skips and nowhere else.
	Skipped bool
}

// Bucket is one subject's counters for one minute. The subject is
// "<target>|<router>", or "<target>|<router>|<arm>" when the request was
// assigned an arm, so one write records an attempt for all three; the
// aggregator sums subjects into per-target, per-router and per-arm stats.
type Bucket struct {
	Subject    string
	Minute     time.Time
	Requests   int64            // attempts
	Successes  int64            // successful attempts
	Finals     int64            // requests that ended on this target
	Served     int64            // requests this target served
	Errors     map[string]int64 // by error class
	LatencyUs  int64            // latency sum over all attempts, µs
	TTFTUs     int64            // TTFT sum, µs
	TTFTCount  int64
	TokensIn   int64
	TokensOut  int64
	CostMicros int64
	Fallbacks  int64
	// Skips counts requests that passed this target over because it was
	// cooling down (Sample.Skipped); they are not attempts.
	Skips int64
	// Hist counts attempts per LatencyIndex bucket; only non-empty
	// buckets are present (see latency.go).
	Hist map[int]int64
	// GenUs sums latency of successful attempts (µs), for tokens/s.
	GenUs int64
}

// Stats are a subject's figures over a window, as the aggregator rolls them
// up. Subject is a target ("openai/gpt-4o"), a router ("router/fb"), a
// router's arm ("arm/ab/treatment") or a provider ("provider|openai"). For
// a target or a provider, requests count attempts on it; for a router or an
// arm, requests that ended (served or failed) through it. A router's
// successes are the requests it served; an arm's only those its own
// target (the plan's first candidate) served, a fallback's being counted
// in Fallbacks instead (package aggregate, "Subjects"). Latencies are
// milliseconds with microsecond resolution; percentiles are within
// LatencyRelativeError of the exact ones.
type Stats struct {
	Subject      string  `json:"subject"`
	Window       string  `json:"window"` // "5m", "15m", "1h", "24h"
	Requests     int64   `json:"requests"`
	Successes    int64   `json:"successes"`
	SuccessRate  float64 `json:"success_rate"`
	LatencyAvgMs float64 `json:"latency_avg_ms"`
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP95Ms float64 `json:"latency_p95_ms"`
	LatencyP99Ms float64 `json:"latency_p99_ms"`
	TTFTMs       float64 `json:"ttft_ms"`
	TokensPerSec float64 `json:"tokens_per_sec"`
	CostUSD      float64 `json:"cost_usd"`
	Fallbacks    int64   `json:"fallbacks"`
	FallbackRate float64 `json:"fallback_rate"`
	// Skips are cooldown skips: for a target, requests that passed it
	// over while it cooled down; for a router or an arm, the skips in
	// its requests.
	Skips     int64            `json:"skips"`
	Errors    map[string]int64 `json:"errors,omitempty"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// Subject is the bucket subject a sample counts towards:
// "<target>|<router>", plus "|<arm>" when it has an arm. Router names
// cannot contain '|' (config validation), so the arm, which may, is
// everything after the second one.
func (s Sample) Subject() string {
	if s.Arm == "" {
		return s.Target + "|" + s.Router
	}
	return s.Target + "|" + s.Router + "|" + s.Arm
}

// Minute is the bucket minute s falls in, in UTC.
func (s Sample) Minute() time.Time { return s.Time.Truncate(time.Minute).UTC() }

// Stats subjects: a target's stats are its key ("openai/gpt-4o"), a
// router's "router/<name>", an arm's "arm/<router>/<arm>" (router names
// contain no '/').
const (
	routerStatsPrefix = "router/"
	armStatsPrefix    = "arm/"
	// providerStatsPrefix holds a '|', which provider names cannot, so a
	// provider's subject is never a target key ("<provider>/<model>").
	providerStatsPrefix = "provider|"
)

// ProviderStatsSubject is the stats subject of a provider.
func ProviderStatsSubject(provider string) string { return providerStatsPrefix + provider }

// ParseProviderSubject returns the provider a stats subject is about, if
// it is a provider's.
func ParseProviderSubject(subject string) (string, bool) {
	return strings.CutPrefix(subject, providerStatsPrefix)
}

// TargetProvider is the provider of a target key ("openai/gpt-4o" → "openai").
func TargetProvider(target string) string {
	p, _, _ := strings.Cut(target, "/")
	return p
}

// RouterStatsSubject is the stats subject of a router.
func RouterStatsSubject(router string) string { return routerStatsPrefix + router }

// ArmStatsSubject is the stats subject of a router's arm.
func ArmStatsSubject(router, arm string) string { return armStatsPrefix + router + "/" + arm }

// ParseStatsSubject says what a stats subject is about: a router (router
// set, arm empty), an arm (both set) or a target (target set).
func ParseStatsSubject(subject string) (target, router, arm string) {
	if r, ok := strings.CutPrefix(subject, routerStatsPrefix); ok {
		return "", r, ""
	}
	if rest, ok := strings.CutPrefix(subject, armStatsPrefix); ok {
		r, a, _ := strings.Cut(rest, "/")
		return "", r, a
	}
	return subject, "", ""
}

// SplitSubject returns a bucket subject's target, router and arm.
func SplitSubject(subject string) (target, router, arm string) {
	target, rest, _ := strings.Cut(subject, "|")
	router, arm, _ = strings.Cut(rest, "|")
	return target, router, arm
}

// Apply adds s to b (which must be for one of s's subjects and its minute).
func (b *Bucket) Apply(s Sample) {
	if s.Skipped {
		// Not an attempt: no request, latency or outcome to count.
		b.Skips++
		return
	}
	b.Requests++
	if s.Final {
		b.Finals++
		if s.Success {
			b.Served++
		}
	}
	us := MsToUs(s.LatencyMs)
	if s.Success {
		b.Successes++
		b.GenUs += us
	} else if s.ErrorClass != "" {
		if b.Errors == nil {
			b.Errors = map[string]int64{}
		}
		b.Errors[s.ErrorClass]++
	}
	b.LatencyUs += us
	if s.TTFTMs > 0 {
		b.TTFTUs += MsToUs(s.TTFTMs)
		b.TTFTCount++
	}
	b.TokensIn += s.TokensIn
	b.TokensOut += s.TokensOut
	b.CostMicros += s.CostMicros
	if s.Fallback {
		b.Fallbacks++
	}
	if b.Hist == nil {
		b.Hist = map[int]int64{}
	}
	b.Hist[LatencyIndex(us)]++
}

// Merge adds o's counters to b (both for the same subject and minute):
// the sum of two buckets is the bucket of both sets of samples.
func (b *Bucket) Merge(o Bucket) {
	b.Requests += o.Requests
	b.Successes += o.Successes
	b.Finals += o.Finals
	b.Served += o.Served
	b.LatencyUs += o.LatencyUs
	b.TTFTUs += o.TTFTUs
	b.TTFTCount += o.TTFTCount
	b.TokensIn += o.TokensIn
	b.TokensOut += o.TokensOut
	b.CostMicros += o.CostMicros
	b.Fallbacks += o.Fallbacks
	b.GenUs += o.GenUs
	b.Skips += o.Skips
	for class, n := range o.Errors {
		if b.Errors == nil {
			b.Errors = map[string]int64{}
		}
		b.Errors[class] += n
	}
	for i, n := range o.Hist {
		if b.Hist == nil {
			b.Hist = map[int]int64{}
		}
		b.Hist[i] += n
	}
}

// BucketOf is the one-sample bucket of s: its subject, its minute and its
// counters.
func BucketOf(s Sample) Bucket {
	b := Bucket{Subject: s.Subject(), Minute: s.Minute()}
	b.Apply(s)
	return b
}
