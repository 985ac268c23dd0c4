package pricing

import "github.com/switchyard-llm/switchyard/internal/chat"

// Price is what one model costs, in USD per million tokens, and its limits.
type Price struct {
	InputPerMTok  float64
	OutputPerMTok float64
	// CachedInputPerMTok prices prompt tokens read from a provider cache;
	// 0 means the input price (no discount known).
	CachedInputPerMTok float64
	// CacheWritePerMTok prices prompt tokens written to a provider cache
	// (Anthropic charges 1.25x input for 5-minute writes); 0 means the
	// input price.
	CacheWritePerMTok float64
	ContextWindow     int // prompt + output tokens; 0 when unknown
	MaxOutputTokens   int // 0 when unknown (no cap applied)
}

// DefaultOutputTokens is the output assumed for a request that sets neither
// max_tokens nor max_completion_tokens, before the model's MaxOutputTokens
// cap. 1024 is a long chat answer: reserving a model's full output cap
// (up to 128K tokens, dollars on some models) for every unbounded request
// would reject most of them against a small budget, and the reservation is
// settled to the real cost afterwards anyway.
const DefaultOutputTokens = 1024

const perMTok = 1e6

// Cost is the USD cost of a response's usage. Usage follows OpenAI's
// convention, which provider adapters must keep: PromptTokens counts every
// input token, including those read from cache (PromptTokensDetails.
// CachedTokens) and those written to it (CacheWriteTokens), and
// CompletionTokens includes reasoning tokens. Uncached input is charged at
// the input price, cache reads at CachedInputPerMTok, cache writes at
// CacheWritePerMTok (each the input price when 0), output at the output
// price. A nil usage costs 0.
func (p Price) Cost(u *chat.Usage) float64 {
	if u == nil {
		return 0
	}
	var cached, written int
	if d := u.PromptTokensDetails; d != nil {
		// A negative count (an upstream's nonsense) would refund spend.
		cached, written = max(d.CachedTokens, 0), max(d.CacheWriteTokens, 0)
	}
	// An adapter that reported cache tokens outside PromptTokens would make
	// this negative; the cache tokens are still charged below. Subtracting
	// one at a time cannot wrap, each term being non-negative.
	uncached := max(max(u.PromptTokens, 0)-cached, 0)
	uncached = max(uncached-written, 0)
	completion := max(u.CompletionTokens, 0)
	// Summing before one division keeps the rounding to a single step.
	total := float64(uncached)*p.InputPerMTok +
		float64(cached)*orInput(p.CachedInputPerMTok, p.InputPerMTok) +
		float64(written)*orInput(p.CacheWritePerMTok, p.InputPerMTok) +
		float64(completion)*p.OutputPerMTok
	return total / perMTok
}

func orInput(price, input float64) float64 {
	if price == 0 {
		return input
	}
	return price
}

// WorstCase is the cost budgets reserve before an attempt:
//
//	WorstCaseInputFactor × EstimateInputTokens(req) at the full input price
//	(no cache discount) + MaxOutputTokensFor(req) at the output price.
//
// It must bound the real cost, or concurrent requests could take a hard
// budget past its limit: the input estimate gets the headroom of its
// measured error, and a request without an output limit is reserved for
// the model's whole output cap (DefaultOutputTokens only when the cap is
// unknown). Callers who want smaller reservations set max_tokens; the
// real cost is settled after the answer either way. A nil request costs 0.
func (p Price) WorstCase(req *chat.Request) float64 {
	if req == nil {
		return 0
	}
	return (WorstCaseInputFactor*float64(EstimateInputTokens(req))*p.InputPerMTok +
		float64(p.MaxOutputTokensFor(req))*p.OutputPerMTok) / perMTok
}

// WorstCaseInputFactor covers EstimateInputTokens' error against real
// tokenizers (within ±30% on text and ±50% with tools, docs/pricing.md).
const WorstCaseInputFactor = 1.5

// MaxOutputTokensFor is the most output req can be billed for: the
// caller's limit capped at the model's, or the model's cap when the caller
// set none (DefaultOutputTokens when that is unknown too); times n.
func (p Price) MaxOutputTokensFor(req *chat.Request) int {
	unset := p.MaxOutputTokens
	if unset <= 0 {
		unset = DefaultOutputTokens
	}
	return p.outputTokens(req, unset)
}

// Expected is the cost the cost strategy ranks candidates by and compares
// with max_cost_usd: EstimateInputTokens at the full input price plus
// OutputTokens (the caller's limit, else DefaultOutputTokens) at the
// output price. Cache discounts are left out because whether a prompt hits a provider's cache
// is unknown before the call, and a caller's output limit (or
// DefaultOutputTokens) is used rather than a guess at the answer's length
// so that a user can predict the figure. It is a separate function so that
// ranking may later learn from observed output lengths while budget
// reservations stay conservative.
func (p Price) Expected(req *chat.Request) float64 {
	if req == nil {
		return 0
	}
	return (float64(EstimateInputTokens(req))*p.InputPerMTok +
		float64(p.OutputTokens(req))*p.OutputPerMTok) / perMTok
}

// OutputTokens is the output a request is costed for: the caller's limit
// (max_completion_tokens, else max_tokens), else DefaultOutputTokens; capped
// at MaxOutputTokens when known, since the model cannot write more; times n
// when the caller asks for several choices, each of which is billed.
func (p Price) OutputTokens(req *chat.Request) int {
	return p.outputTokens(req, DefaultOutputTokens)
}

// outputTokens is the caller's output limit, or unset when it gave none,
// capped at the model's limit and multiplied by n. The product saturates:
// chat.CheckLimits bounds both factors at the door, and this stays right
// for a request built some other way.
func (p Price) outputTokens(req *chat.Request, unset int) int {
	n := req.OutputLimit()
	if n <= 0 {
		n = unset
	}
	if p.MaxOutputTokens > 0 && n > p.MaxOutputTokens {
		n = p.MaxOutputTokens
	}
	if req.N != nil && *req.N > 1 {
		n = MulTokens(n, *req.N)
	}
	return n
}
