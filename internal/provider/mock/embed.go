package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// DefaultDimensions is the size of a mock embedding when the request asks
// for none.
const DefaultDimensions = 8

var _ provider.Embedder = (*Provider)(nil)

// Embed answers an embeddings request locally, after the configured
// latency or with the configured failure rate, as chat does. Each vector
// is a function of its input alone (seeded by its text or tokens), unit
// length, of the requested dimensions: the same text always embeds to the
// same vector, so a local index built through `make run` is stable.
// Usage counts a text at 4 bytes a token (at least one) and a token array
// by its length.
func (p *Provider) Embed(ctx context.Context, call *provider.EmbedCall) (*provider.EmbedResponse, error) {
	in, err := call.Request.Inputs()
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassInvalidRequest, Status: 400, Param: "input", Message: err.Error()}
	}
	fail, _ := p.roll()
	if err := p.wait(ctx); err != nil {
		return nil, err
	}
	if fail {
		return nil, p.failure()
	}
	dims := DefaultDimensions
	if d := call.Request.Dimensions; d != nil && *d > 0 {
		dims = *d
	}
	items := make([]provider.EmbedItem, 0, in.Len())
	tokens := 0
	add := func(seed string, n int) {
		tokens += n
		items = append(items, provider.EmbedItem{Object: "embedding", Index: len(items),
			Embedding: provider.EncodeVector(vector(seed, dims), call.Request.EncodingFormat)})
	}
	for _, t := range in.Texts {
		add(t, max(1, (len(t)+3)/4))
	}
	for _, ts := range in.Tokens {
		add(fmt.Sprint(ts), len(ts))
	}
	data, err := json.Marshal(items)
	if err != nil {
		return nil, &provider.Error{Class: provider.ClassBadResponse, Message: "mock: encode embeddings: " + err.Error()}
	}
	return &provider.EmbedResponse{Object: "list", Data: data, Model: call.Model,
		Usage: provider.EmbedUsage{PromptTokens: tokens, TotalTokens: tokens}}, nil
}

// vector is a unit vector of dims numbers drawn from a generator seeded
// by the input.
func vector(seed string, dims int) []float64 {
	h := fnv.New64a()
	h.Write([]byte(seed))
	s := h.Sum64()
	r := rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	v := make([]float64, dims)
	norm := 0.0
	for i := range v {
		v[i] = r.NormFloat64()
		norm += v[i] * v[i]
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] /= norm
	}
	return v
}
