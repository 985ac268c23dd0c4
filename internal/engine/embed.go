package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/pricing"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// Embed serves an embeddings request (POST /v1/embeddings) through the
// same loop as Complete: routing, key limits, quotas, budgets, cooldowns,
// retries, fallbacks, metrics and traces all apply. r.Embed is the
// request; r.Chat is set here to the chat-shaped view the planner, key
// limits and quotas read (EmbedChat). A target whose provider cannot
// embed fails as unsupported and the next candidate is tried.
func (e *Engine) Embed(ctx context.Context, r *Request) (*Result, *Error) {
	if _, perr := prepareEmbed(r); perr != nil {
		return nil, perr
	}
	var resp *provider.EmbedResponse
	res, perr := e.serve(ctx, r, func(ctx context.Context, ru *run, att attempt) attemptOut {
		emb, ok := e.providers[att.cand.Provider].(provider.Embedder)
		if !ok {
			return attemptOut{err: &provider.Error{Class: provider.ClassUnsupported, Status: statusBadRequest,
				Message: "provider " + att.cand.Provider + " cannot serve embeddings"}}
		}
		req := embedWithParams(ru.req.Embed, att.cand.Params)
		if asked := ru.req.Embed.Dimensions; asked != nil && *req.Dimensions != *asked {
			// The target pins another size than the caller asked for:
			// its vectors would not be in the space the other targets
			// answer in, so a fallback to it would mix vector sizes.
			return attemptOut{err: &provider.Error{Class: provider.ClassUnsupported, Status: statusBadRequest, Param: "dimensions",
				Message: fmt.Sprintf("target %s answers with %d dimensions (params.dimensions), not the %d asked for", att.cand.Key, *req.Dimensions, *asked)}}
		}
		out, err := emb.Embed(ctx, &provider.EmbedCall{Model: att.call.Model, Request: req, RequestID: ru.req.ID})
		if err != nil {
			return attemptOut{err: err}
		}
		resp = out
		u := &chat.Usage{PromptTokens: out.Usage.PromptTokens, TotalTokens: out.Usage.TotalTokens}
		return attemptOut{usage: u, upstreamID: out.UpstreamRequestID, model: out.Model}
	})
	if res != nil {
		res.Embedding = resp
	}
	return res, perr
}

// prepareEmbed checks r's embeddings input and sets what the planner
// reads: r.Chat (EmbedChat) and the operation.
func prepareEmbed(r *Request) (provider.EmbedInputs, *Error) {
	if r.Embed == nil {
		return provider.EmbedInputs{}, &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: "missing_input", Param: "input", Message: "input is required"}
	}
	in, err := r.Embed.Inputs()
	if err != nil {
		return in, &Error{Status: statusBadRequest, Type: TypeInvalidRequest, Code: "invalid_input", Param: "input", Message: err.Error()}
	}
	r.Chat = EmbedChat(r.Embed, in)
	r.Operation = OpEmbeddings
	return in, nil
}

// embedWithParams applies a target's params.dimensions (the merged params
// of its path, the innermost winning) over the caller's: the size config
// validation compared the router's targets by (config.validateDimensions).
func embedWithParams(r *provider.EmbedRequest, params map[string]any) *provider.EmbedRequest {
	d, ok := config.ParamDimensions(params)
	if !ok {
		return r
	}
	cp := *r
	cp.Dimensions = &d
	return &cp
}

// EmbedChat is the chat request an embeddings request stands for in the
// planner, key limits and quotas: its model and user, and one user message
// as long as the input (texts joined; a token array as that many
// estimator tokens of blank text), so input estimates see the input's
// size. One output token is asked for: an embedding has no output, and
// the estimators must not assume a default answer's length.
func EmbedChat(r *provider.EmbedRequest, in provider.EmbedInputs) *chat.Request {
	var b strings.Builder
	for _, t := range in.Texts {
		b.WriteString(t)
		b.WriteByte('\n')
	}
	for _, ts := range in.Tokens {
		b.WriteString(strings.Repeat(" ", len(ts)*pricing.BytesPerToken))
	}
	one := 1
	return &chat.Request{Model: r.Model, User: r.User, MaxTokens: &one,
		Messages: []chat.Message{{Role: "user", Content: chat.TextContent(b.String())}}}
}

// embedWorstCase is an embeddings attempt's worst-case cost: the input
// estimate (with the estimator's error margin) at the input price. There
// is no output to pay for.
func embedWorstCase(p pricing.Price, req *chat.Request) float64 {
	return pricing.WorstCaseInputFactor * float64(pricing.EstimateInputTokens(req)) * p.InputPerMTok / 1e6
}
