package pricing

import (
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

func TestMicros(t *testing.T) {
	tests := []struct {
		name string
		usd  float64
		want int64
	}{
		{"zero", 0, 0},
		{"a micro-USD", 1e-6, 1},
		{"a fraction of one rounds up", 1.2e-7, 1},
		{"a dollar", 1, 1_000_000},
		{"just above a whole micro rounds up", 0.0000011, 2},
		{"negative is no cost", -5, 0},
		{"negative zero", math.Copysign(0, -1), 0},
		{"-Inf", math.Inf(-1), 0},
		{"NaN is too expensive to fit", math.NaN(), MaxMicros},
		{"+Inf", math.Inf(1), MaxMicros},
		{"the largest float", math.MaxFloat64, MaxMicros},
		// 2^63 micro-USD does not fit int64; converted unchecked it is MinInt64.
		{"2^63 micros", math.Ldexp(1, 63) / 1e6, MaxMicros},
		{"just under 2^63 micros fits", math.Ldexp(1, 62) / 1e6, 1 << 62},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Micros(tt.usd); got != tt.want {
				t.Errorf("Micros(%g) = %d, want %d", tt.usd, got, tt.want)
			}
		})
	}
}

func TestMulTokens(t *testing.T) {
	tests := []struct {
		name string
		a, b int
		want int
	}{
		{"small", 1024, 128, 131072},
		{"zero", 0, math.MaxInt, 0},
		{"negative counts as zero", -2, 5, 0},
		{"the product that wrapped to a negative reservation", 2, 9098372036854775807, math.MaxInt},
		{"exactly MaxInt", math.MaxInt, 1, math.MaxInt},
		{"one past MaxInt", 1 << 62, 2, math.MaxInt},
		{"both huge", math.MaxInt, math.MaxInt, math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MulTokens(tt.a, tt.b); got != tt.want {
				t.Errorf("MulTokens(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// TestWorstCaseOfHostileRequests: the requests of issue 10, built past the
// door's checks, still reserve the most a budget can count, never less
// than an honest request (before, they reserved a negative amount).
func TestWorstCaseOfHostileRequests(t *testing.T) {
	msgs := []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}
	honest := &chat.Request{Messages: msgs, MaxTokens: intp(2)}
	tests := []struct {
		name  string
		price Price
		req   *chat.Request
	}{
		{"n × max_tokens past MaxInt", Price{InputPerMTok: 1, OutputPerMTok: 2},
			&chat.Request{Messages: msgs, MaxTokens: intp(2), N: intp(9098372036854775807)}},
		{"max_tokens of 2^62", Price{InputPerMTok: 1, OutputPerMTok: 2},
			&chat.Request{Messages: msgs, MaxTokens: intp(4611686018427387904)}},
		{"the largest max_completion_tokens", Price{InputPerMTok: 1, OutputPerMTok: 2},
			&chat.Request{Messages: msgs, MaxCompletionTokens: intp(math.MaxInt)}},
		{"n at MaxInt on a capped model", Price{InputPerMTok: 1, OutputPerMTok: 2, MaxOutputTokens: 8192},
			&chat.Request{Messages: msgs, N: intp(math.MaxInt)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out := tt.price.MaxOutputTokensFor(tt.req); out < tt.price.MaxOutputTokensFor(honest) {
				t.Errorf("MaxOutputTokensFor = %d: below an honest request's", out)
			}
			worst := tt.price.WorstCase(tt.req)
			if m := Micros(worst); m < Micros(tt.price.WorstCase(honest)) || m < 1_000_000_000 {
				t.Errorf("WorstCase = $%g (%d micro-USD): a hostile request must reserve more than any small budget", worst, m)
			}
			if e := tt.price.Expected(tt.req); e < 0 || math.IsNaN(e) {
				t.Errorf("Expected = %g, want a non-negative cost", e)
			}
		})
	}
}

// TestCostOfNonsenseUsage: an upstream's negative token counts charge
// nothing for them, rather than refunding spend.
func TestCostOfNonsenseUsage(t *testing.T) {
	p := Price{InputPerMTok: 1, OutputPerMTok: 2, CachedInputPerMTok: 0.5}
	tests := []struct {
		name  string
		usage chat.Usage
		want  float64
	}{
		{"negative completion", chat.Usage{PromptTokens: 1000, CompletionTokens: -1_000_000}, 0.001},
		{"negative prompt", chat.Usage{PromptTokens: -1_000_000, CompletionTokens: 1000}, 0.002},
		{"negative cached", chat.Usage{PromptTokens: 1000, PromptTokensDetails: &chat.PromptTokensDetails{CachedTokens: -1_000_000}}, 0.001},
		{"the smallest int everywhere", chat.Usage{PromptTokens: math.MinInt, CompletionTokens: math.MinInt,
			PromptTokensDetails: &chat.PromptTokensDetails{CachedTokens: math.MinInt, CacheWriteTokens: math.MinInt}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Cost(&tt.usage); !usdEqual(got, tt.want) {
				t.Errorf("Cost = %.12f, want %.12f", got, tt.want)
			}
		})
	}
}
