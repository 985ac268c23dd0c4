package engine

import (
	"context"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/routing"
)

// PlanEmbedding is what explain adds for an embeddings request: the
// inputs, the dimensions asked for, and (on each candidate) the
// dimensions it would answer with and whether its provider can embed.
type PlanEmbedding struct {
	Inputs int `json:"inputs"`
	// Dimensions is the caller's dimensions, if any (a target's
	// params.dimensions wins over it).
	Dimensions *int `json:"dimensions,omitempty"`
	// Tokens says the input is token-id arrays: providers that embed
	// text only (Gemini) cannot take it, and fall through.
	Tokens bool `json:"tokens,omitempty"`
}

// ExplainEmbed is Explain for an embeddings request (r.Embed): the same
// dry run of the planner and budget step, with the embedding's worst case
// and expected cost (its input at the input price), each candidate's
// dimensions (its params.dimensions, else the caller's, else its model's
// models.<key>.dimensions) and, for a provider that cannot embed, why the
// loop would pass it over.
func (e *Engine) ExplainEmbed(ctx context.Context, r *Request) (*Plan, *Error) {
	in, perr := prepareEmbed(r)
	if perr != nil {
		return nil, perr
	}
	p, perr := e.Explain(ctx, r)
	if perr != nil {
		return nil, perr
	}
	p.Embedding = &PlanEmbedding{Inputs: in.Len(), Dimensions: r.Embed.Dimensions, Tokens: len(in.Tokens) > 0}
	tokens := float64(pricing.EstimateInputTokens(r.Chat))
	for i := range p.Candidates {
		pc := &p.Candidates[i]
		pc.Dimensions = e.embedDimensions(pc, r.Embed)
		if _, ok := e.providers[pc.Provider].(provider.Embedder); !ok {
			pc.Unsupported = "provider " + pc.Provider + " cannot serve embeddings: the loop moves past it"
		}
		if pc.EstimatedCostUSD != nil {
			// Replace chat's estimate (input plus an answer): an embedding
			// pays for its input only.
			if price, ok := e.price(routing.Leaf{Provider: pc.Provider, Model: pc.Model, Key: pc.Target}); ok {
				v := tokens * price.InputPerMTok / 1e6
				pc.EstimatedCostUSD = &v
			}
		}
	}
	return p, nil
}

// embedDimensions is the vector length a candidate would answer with, as
// far as the config and the request say (0: unknown).
func (e *Engine) embedDimensions(pc *PlanCandidate, r *provider.EmbedRequest) int {
	if d, ok := config.ParamDimensions(pc.Params); ok {
		return d
	}
	if r.Dimensions != nil {
		return *r.Dimensions
	}
	return e.cfg.Models[pc.Target].Dimensions
}
