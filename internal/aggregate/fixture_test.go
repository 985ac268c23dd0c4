package aggregate_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/store"
)

// now is the aggregator's clock in these tests: half a minute into 12:00,
// so windows end at 12:01 and the 1h window starts at 11:01.
var now = time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixture is a day of traffic chosen so every figure is exact by hand; the
// comment on each sample says which windows it falls in.
var fixture = []store.Sample{
	// 12:00, in every window.
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-25T12:00:01Z"), ErrorClass: "server_error", LatencyMs: 40},
	{Target: "anthropic/claude", Router: "fb", Time: at("2026-11-25T12:00:02Z"), Success: true, Final: true, Fallback: true,
		LatencyMs: 400, TTFTMs: 100, TokensOut: 200, CostMicros: 3000},
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-25T12:00:03Z"), Success: true, Final: true,
		LatencyMs: 100, TTFTMs: 50, TokensOut: 50, CostMicros: 1000},
	{Target: "demo/echo", Time: at("2026-11-25T12:00:10Z"), Success: true, Final: true, LatencyMs: 10, TokensOut: 10},
	// 11:50, in 15m and up.
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-25T11:50:20Z"), Success: true, Final: true,
		LatencyMs: 200, TokensOut: 100, CostMicros: 2000},
	// 11:01, the first minute of the 1h window.
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-25T11:01:00Z"), Final: true, ErrorClass: "rate_limit", LatencyMs: 1000},
	// Yesterday 13:00 and 12:01 (the first minute of the 24h window).
	{Target: "groq/llama", Time: at("2026-11-24T13:00:00Z"), Success: true, Final: true, LatencyMs: 2000},
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-24T12:01:10Z"), Success: true, Final: true, LatencyMs: 300},
	// Outside every window: a minute too old, and the minute after now's
	// (another instance's clock running ahead).
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-24T12:00:59Z"), Success: true, Final: true, LatencyMs: 5000},
	{Target: "openai/gpt-4o", Router: "fb", Time: at("2026-11-25T12:01:05Z"), Success: true, Final: true, LatencyMs: 9999},
}

// sk is the value the latency histogram reads a latency back as (within
// store.LatencyRelativeError of it): percentiles are nearest-rank samples
// read through it.
func sk(ms float64) float64 { return store.LatencyValueUs(store.LatencyIndex(store.MsToUs(ms))) / 1000 }

// expected is what Run must produce for fixture at now, worked out by hand
// (doc.go gives the formulas; p50/p95 are the samples of rank ceil(q·n)).
// Every provider here has one target, so its figures are its target's
// (TestRollupArms sums a provider's three targets).
var expected = withProviders(targetsAndRouters)

var targetsAndRouters = []store.Stats{
	{Subject: "anthropic/claude", Window: "5m", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 400,
		LatencyP50Ms: sk(400), LatencyP95Ms: sk(400), TTFTMs: 100, TokensPerSec: 500, CostUSD: 0.003, Fallbacks: 1, FallbackRate: 1},
	{Subject: "anthropic/claude", Window: "15m", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 400,
		LatencyP50Ms: sk(400), LatencyP95Ms: sk(400), TTFTMs: 100, TokensPerSec: 500, CostUSD: 0.003, Fallbacks: 1, FallbackRate: 1},
	{Subject: "anthropic/claude", Window: "1h", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 400,
		LatencyP50Ms: sk(400), LatencyP95Ms: sk(400), TTFTMs: 100, TokensPerSec: 500, CostUSD: 0.003, Fallbacks: 1, FallbackRate: 1},
	{Subject: "anthropic/claude", Window: "24h", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 400,
		LatencyP50Ms: sk(400), LatencyP95Ms: sk(400), TTFTMs: 100, TokensPerSec: 500, CostUSD: 0.003, Fallbacks: 1, FallbackRate: 1},

	{Subject: "demo/echo", Window: "5m", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 10,
		LatencyP50Ms: sk(10), LatencyP95Ms: sk(10), TokensPerSec: 1000},
	{Subject: "demo/echo", Window: "15m", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 10,
		LatencyP50Ms: sk(10), LatencyP95Ms: sk(10), TokensPerSec: 1000},
	{Subject: "demo/echo", Window: "1h", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 10,
		LatencyP50Ms: sk(10), LatencyP95Ms: sk(10), TokensPerSec: 1000},
	{Subject: "demo/echo", Window: "24h", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 10,
		LatencyP50Ms: sk(10), LatencyP95Ms: sk(10), TokensPerSec: 1000},

	// Idle for most of the day: zeros, not stale figures, in the short windows.
	{Subject: "groq/llama", Window: "5m"},
	{Subject: "groq/llama", Window: "15m"},
	{Subject: "groq/llama", Window: "1h"},
	{Subject: "groq/llama", Window: "24h", Requests: 1, Successes: 1, SuccessRate: 1, LatencyAvgMs: 2000,
		LatencyP50Ms: sk(2000), LatencyP95Ms: sk(2000)},

	// A target counts attempts.
	{Subject: "openai/gpt-4o", Window: "5m", Requests: 2, Successes: 1, SuccessRate: 0.5, LatencyAvgMs: 70,
		LatencyP50Ms: sk(40), LatencyP95Ms: sk(100), TTFTMs: 50, TokensPerSec: 500, CostUSD: 0.001,
		Errors: map[string]int64{"server_error": 1}},
	{Subject: "openai/gpt-4o", Window: "15m", Requests: 3, Successes: 2, SuccessRate: 2.0 / 3, LatencyAvgMs: 340.0 / 3,
		LatencyP50Ms: sk(100), LatencyP95Ms: sk(200), TTFTMs: 50, TokensPerSec: 500, CostUSD: 0.003,
		Errors: map[string]int64{"server_error": 1}},
	{Subject: "openai/gpt-4o", Window: "1h", Requests: 4, Successes: 2, SuccessRate: 0.5, LatencyAvgMs: 335,
		LatencyP50Ms: sk(100), LatencyP95Ms: sk(1000), TTFTMs: 50, TokensPerSec: 500, CostUSD: 0.003,
		Errors: map[string]int64{"server_error": 1, "rate_limit": 1}},
	{Subject: "openai/gpt-4o", Window: "24h", Requests: 5, Successes: 3, SuccessRate: 0.6, LatencyAvgMs: 328,
		LatencyP50Ms: sk(200), LatencyP95Ms: sk(1000), TTFTMs: 50, TokensPerSec: 250, CostUSD: 0.003,
		Errors: map[string]int64{"server_error": 1, "rate_limit": 1}},

	// A router counts requests that ended through it; latency is per attempt.
	{Subject: "router/fb", Window: "5m", Requests: 2, Successes: 2, SuccessRate: 1, LatencyAvgMs: 180,
		LatencyP50Ms: sk(100), LatencyP95Ms: sk(400), TTFTMs: 75, TokensPerSec: 500, CostUSD: 0.004,
		Fallbacks: 1, FallbackRate: 0.5, Errors: map[string]int64{"server_error": 1}},
	{Subject: "router/fb", Window: "15m", Requests: 3, Successes: 3, SuccessRate: 1, LatencyAvgMs: 185,
		LatencyP50Ms: sk(100), LatencyP95Ms: sk(400), TTFTMs: 75, TokensPerSec: 500, CostUSD: 0.006,
		Fallbacks: 1, FallbackRate: 1.0 / 3, Errors: map[string]int64{"server_error": 1}},
	{Subject: "router/fb", Window: "1h", Requests: 4, Successes: 3, SuccessRate: 0.75, LatencyAvgMs: 348,
		LatencyP50Ms: sk(200), LatencyP95Ms: sk(1000), TTFTMs: 75, TokensPerSec: 500, CostUSD: 0.006,
		Fallbacks: 1, FallbackRate: 0.25, Errors: map[string]int64{"server_error": 1, "rate_limit": 1}},
	{Subject: "router/fb", Window: "24h", Requests: 5, Successes: 4, SuccessRate: 0.8, LatencyAvgMs: 340,
		LatencyP50Ms: sk(200), LatencyP95Ms: sk(1000), TTFTMs: 75, TokensPerSec: 350, CostUSD: 0.006,
		Fallbacks: 1, FallbackRate: 0.2, Errors: map[string]int64{"server_error": 1, "rate_limit": 1}},
}

// withProviders adds, after the targets, each target's figures under its
// provider's subject (one target per provider), in Rollup's order.
func withProviders(in []store.Stats) []store.Stats {
	var targets, providers, rest []store.Stats
	for _, st := range in {
		if strings.HasPrefix(st.Subject, "router/") || strings.HasPrefix(st.Subject, "arm/") {
			rest = append(rest, st)
			continue
		}
		targets = append(targets, st)
		p := st
		p.Subject = store.ProviderStatsSubject(store.TargetProvider(st.Subject))
		providers = append(providers, p)
	}
	return append(append(targets, providers...), rest...)
}

func load(t *testing.T, m store.Metrics) {
	t.Helper()
	for _, smp := range fixture {
		if err := m.AddSample(context.Background(), smp); err != nil {
			t.Fatalf("AddSample: %v", err)
		}
	}
}
