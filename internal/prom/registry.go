package prom

import (
	"strings"
	"sync"
	"time"

	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/store"
)

// MaxSeries bounds the label sets the registry holds; past it new ones
// are folded into router and target "other".
const MaxSeries = 4096

// Other is the label value series are folded into.
const Other = "other"

// Histogram buckets, in seconds: upper bounds, +Inf implied.
var (
	durationBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	ttftBuckets     = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
)

// Registry holds the counters and histograms. Safe for concurrent use; it
// implements engine.MetricSink.
type Registry struct {
	mu        sync.Mutex
	series    int // label sets held, all families
	requests  map[requestKey]uint64
	reqDur    map[routerOp]*histogram
	fallbacks map[routerOp]uint64
	attempts  map[targetKey]*attemptSeries
	errors    map[errorKey]uint64
	cooldowns map[string]uint64 // by target
	// keyRefusals counts requests refused by a key's limits, by key and
	// limit (requests_per_minute, tokens_per_minute, max_concurrent).
	keyRefusals map[keyLimitKey]uint64
}

type keyLimitKey struct{ key, limit string }

// routerOp is a router and an operation (the API a request came in by:
// chat, embeddings, messages, responses).
type routerOp struct{ router, operation string }

type requestKey struct {
	routerOp
	codeClass string
}

// targetKey is a router, an operation and a metric target; the provider
// label is the target's prefix.
type targetKey struct{ router, operation, target string }

type errorKey struct {
	targetKey
	class string
}

type attemptSeries struct {
	ok, failed          uint64
	tokensIn, tokensOut uint64
	costMicros          int64
	latency, ttft       histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newHistogram(bounds []float64) histogram {
	return histogram{counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(bounds []float64, v float64) {
	i := 0
	for i < len(bounds) && v > bounds[i] {
		i++
	}
	h.counts[i]++
	h.sum += v
	h.n++
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{requests: map[requestKey]uint64{}, reqDur: map[routerOp]*histogram{}, fallbacks: map[routerOp]uint64{},
		attempts: map[targetKey]*attemptSeries{}, errors: map[errorKey]uint64{}, cooldowns: map[string]uint64{},
		keyRefusals: map[keyLimitKey]uint64{}}
}

var knownClass = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range provider.Classes {
		m[string(c)] = true
	}
	return m
}()

// full reports whether a new series would pass MaxSeries, counting it
// when not. Callers hold mu.
func (r *Registry) full() bool {
	if r.series >= MaxSeries {
		return true
	}
	r.series++
	return false
}

// Sample counts one attempt.
func (r *Registry) Sample(s store.Sample) {
	op := s.Operation
	if op == "" {
		op = "chat"
	}
	k := targetKey{router: s.Router, operation: op, target: s.Target}
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.attempts[k]
	if a == nil {
		if r.full() {
			k = targetKey{Other, op, Other}
		}
		if a = r.attempts[k]; a == nil {
			a = &attemptSeries{latency: newHistogram(durationBuckets), ttft: newHistogram(ttftBuckets)}
			r.attempts[k] = a
		}
	}
	if s.Success {
		a.ok++
	} else {
		a.failed++
		class := s.ErrorClass
		if !knownClass[class] {
			class = Other
		}
		ek := errorKey{k, class}
		if _, ok := r.errors[ek]; !ok && r.full() {
			ek = errorKey{targetKey{Other, op, Other}, class}
		}
		r.errors[ek]++
	}
	a.latency.observe(durationBuckets, s.LatencyMs/1000)
	if s.TTFTMs > 0 {
		a.ttft.observe(ttftBuckets, s.TTFTMs/1000)
	}
	a.tokensIn += uint64(max(s.TokensIn, 0))
	a.tokensOut += uint64(max(s.TokensOut, 0))
	a.costMicros += max(s.CostMicros, 0)
}

// Request counts one routed request's end. operation is the API it came
// in by (the engine's Op* values: four at most, so the label stays
// bounded); empty counts as chat.
func (r *Registry) Request(router, operation string, status int, d time.Duration, fallback bool) {
	if operation == "" {
		operation = "chat"
	}
	k := requestKey{routerOp: routerOp{router: router, operation: operation}, codeClass: codeClass(status)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.requests[k]; !ok && r.full() {
		k.router = Other
	}
	r.requests[k]++
	h := r.reqDur[k.routerOp]
	if h == nil {
		hist := newHistogram(durationBuckets)
		h = &hist
		r.reqDur[k.routerOp] = h
	}
	h.observe(durationBuckets, d.Seconds())
	if fallback {
		r.fallbacks[k.routerOp]++
	}
}

// Cooldown counts a target entering cooldown.
func (r *Registry) Cooldown(target string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cooldowns[target]; !ok && r.full() {
		target = Other
	}
	r.cooldowns[target]++
}

// KeyLimited counts a request refused by key's limit. Keys are the
// config's names (bounded by it); past MaxSeries they fold into "other".
func (r *Registry) KeyLimited(key, limit string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := keyLimitKey{key, limit}
	if _, ok := r.keyRefusals[k]; !ok && r.full() {
		k.key = Other
	}
	r.keyRefusals[k]++
}

func codeClass(status int) string {
	if status < 100 || status > 599 {
		return Other
	}
	return string(rune('0'+status/100)) + "xx"
}

// providerOf is a metric target's provider: its prefix.
func providerOf(target string) string {
	if p, _, ok := strings.Cut(target, "/"); ok {
		return p
	}
	return Other
}
