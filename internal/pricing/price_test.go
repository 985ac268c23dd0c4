package pricing

import (
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// usdEqual compares costs to a millionth of a micro-USD: far below the
// micro-USD budgets count in, far above float64 rounding of these sums.
func usdEqual(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func intp(n int) *int { return &n }

func TestCost(t *testing.T) {
	sonnet := Price{InputPerMTok: 3, OutputPerMTok: 15, CachedInputPerMTok: 0.30, CacheWritePerMTok: 3.75}
	gpt5 := Price{InputPerMTok: 1.25, OutputPerMTok: 10, CachedInputPerMTok: 0.125}
	flat := Price{InputPerMTok: 0.72, OutputPerMTok: 0.72}
	details := func(cached, written int) *chat.PromptTokensDetails {
		return &chat.PromptTokensDetails{CachedTokens: cached, CacheWriteTokens: written}
	}
	tests := []struct {
		name  string
		price Price
		usage *chat.Usage
		want  float64
	}{
		{"nil usage", sonnet, nil, 0},
		{"zero usage", sonnet, &chat.Usage{}, 0},
		{"input and output", sonnet, &chat.Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000}, 18},
		{"small call", gpt5, &chat.Usage{PromptTokens: 1200, CompletionTokens: 300}, 0.0045},
		// 2,000 uncached x $3 + 6,000 read x $0.30 + 2,000 written x $3.75 + 500 out x $15
		{"cache reads and writes", sonnet,
			&chat.Usage{PromptTokens: 10_000, CompletionTokens: 500, PromptTokensDetails: details(6000, 2000)}, 0.0228},
		// 200 uncached x $1.25 + 800 read x $0.125
		{"openai cached tokens", gpt5,
			&chat.Usage{PromptTokens: 1000, CompletionTokens: 0, PromptTokensDetails: details(800, 0)}, 0.00035},
		{"no cache price charges input price", flat,
			&chat.Usage{PromptTokens: 1000, CompletionTokens: 1000, PromptTokensDetails: details(400, 100)}, 0.00144},
		// reasoning tokens are part of completion_tokens and not charged twice
		{"reasoning inside completion", gpt5, &chat.Usage{PromptTokens: 0, CompletionTokens: 2000,
			CompletionTokensDetails: &chat.CompletionTokensDetails{ReasoningTokens: 1500}}, 0.02},
		// an adapter that left cache tokens out of prompt_tokens: nothing is negative
		{"cache tokens beyond prompt tokens", sonnet,
			&chat.Usage{PromptTokens: 100, PromptTokensDetails: details(1000, 0)}, 0.0003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.price.Cost(tt.usage); !usdEqual(got, tt.want) {
				t.Errorf("Cost = %.12f, want %.12f", got, tt.want)
			}
		})
	}
}

func TestOutputTokens(t *testing.T) {
	capped := Price{MaxOutputTokens: 4096}
	tests := []struct {
		name  string
		price Price
		req   chat.Request
		want  int
	}{
		{"default", Price{}, chat.Request{}, DefaultOutputTokens},
		{"default under a small cap", Price{MaxOutputTokens: 512}, chat.Request{}, 512},
		{"max_tokens", capped, chat.Request{MaxTokens: intp(300)}, 300},
		{"max_completion_tokens wins", capped, chat.Request{MaxTokens: intp(300), MaxCompletionTokens: intp(2000)}, 2000},
		{"limit above the model cap", capped, chat.Request{MaxTokens: intp(100_000)}, 4096},
		{"limit with unknown cap", Price{}, chat.Request{MaxTokens: intp(100_000)}, 100_000},
		{"n choices", capped, chat.Request{MaxTokens: intp(300), N: intp(3)}, 900},
		{"n of one", capped, chat.Request{N: intp(1)}, DefaultOutputTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.price.OutputTokens(&tt.req); got != tt.want {
				t.Errorf("OutputTokens = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWorstCaseAndExpected(t *testing.T) {
	p := Price{InputPerMTok: 2, OutputPerMTok: 8, CachedInputPerMTok: 0.5, MaxOutputTokens: 32768}
	req := func(limit *int) *chat.Request {
		return &chat.Request{MaxTokens: limit, Messages: []chat.Message{
			{Role: "user", Content: chat.TextContent("Summarise the plot of Hamlet in two sentences.")},
		}}
	}
	in := float64(EstimateInputTokens(req(nil)))
	// WorstCase bounds the bill (budgets reserve it): with no caller limit,
	// the model's whole output cap. Expected (ranking) assumes
	// DefaultOutputTokens instead.
	tests := []struct {
		name          string
		req           *chat.Request
		worst, expect float64
	}{
		{"nil request", nil, 0, 0},
		{"no caller limit", req(nil), (1.5*in*2 + 32768*8) / 1e6, (in*2 + DefaultOutputTokens*8) / 1e6},
		{"caller limit", req(intp(100)), (1.5*in*2 + 100*8) / 1e6, (in*2 + 100*8) / 1e6},
		{"limit capped by the model", req(intp(1_000_000)), (1.5*in*2 + 32768*8) / 1e6, (in*2 + 32768*8) / 1e6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.WorstCase(tt.req); !usdEqual(got, tt.worst) {
				t.Errorf("WorstCase = %.12f, want %.12f", got, tt.worst)
			}
			if got := p.Expected(tt.req); !usdEqual(got, tt.expect) {
				t.Errorf("Expected = %.12f, want %.12f", got, tt.expect)
			}
		})
	}
	// A model whose output cap is unknown: DefaultOutputTokens both ways.
	unknown := Price{InputPerMTok: 2, OutputPerMTok: 8}
	if got, want := unknown.WorstCase(req(nil)), (1.5*in*2+DefaultOutputTokens*8)/1e6; !usdEqual(got, want) {
		t.Errorf("WorstCase without a cap = %.12f, want %.12f", got, want)
	}
	t.Run("cheaper model ranks lower", func(t *testing.T) {
		mini, _ := Default().Lookup("openai", "openai", "gpt-4o-mini")
		full, _ := Default().Lookup("openai", "openai", "gpt-4o")
		if a, b := mini.Expected(req(nil)), full.Expected(req(nil)); a >= b {
			t.Errorf("gpt-4o-mini expected %v >= gpt-4o %v", a, b)
		}
	})
	t.Run("worst case covers the real cost of a reply within the limit", func(t *testing.T) {
		r := req(intp(200))
		actual := p.Cost(&chat.Usage{PromptTokens: int(in), CompletionTokens: 200})
		if wc := p.WorstCase(r); wc < actual {
			t.Errorf("WorstCase %v < cost %v of a full-length reply", wc, actual)
		}
	})
}
