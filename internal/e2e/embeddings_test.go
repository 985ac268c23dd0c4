package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// embedRouters puts a Gemini embedding model first and an OpenAI one
// second, both pinned to 4 dimensions.
const embedRouters = `
routers:
  vectors:
    strategy: fallback
    targets:
      - {model: gemini/gemini-embedding-001, params: {dimensions: 4}}
      - {model: openai/text-embedding-3-small, params: {dimensions: 4}}
`

// TestGeminiEmbeddings: the openai-go SDK embeds texts through a router
// whose first target is Gemini (batchEmbedContents, validated by the
// fake) and gets Gemini's vectors with the estimated usage; token-id input,
// which Gemini cannot take, falls through to the OpenAI target.
func TestGeminiEmbeddings(t *testing.T) {
	g := newGatewayWith(t, embedRouters)
	var raw *http.Response
	resp, err := g.client().Embeddings.New(context.Background(), openai.EmbeddingNewParams{Model: "router/vectors",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello world!", "a"}}}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("texts: %v", err)
	}
	checkRouted(t, raw.Header, "vectors", "gemini/gemini-embedding-001", false)
	if len(resp.Data) != 2 || resp.Usage.PromptTokens != 4 {
		t.Fatalf("data %d, usage %+v, want 2 vectors and 3+1 estimated tokens", len(resp.Data), resp.Usage)
	}
	for i, d := range resp.Data {
		want := geminifake.Vector(i, 4)
		if int(d.Index) != i || len(d.Embedding) != 4 || float32(d.Embedding[1]) != want[1] {
			t.Errorf("data[%d] = %+v, want %v", i, d, want)
		}
	}
	if n := len(g.gemini.Requests()); n != 1 {
		t.Errorf("gemini calls %d, want 1", n)
	}

	resp, err = g.client().Embeddings.New(context.Background(), openai.EmbeddingNewParams{Model: "router/vectors",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfTokens: []int64{1, 2, 3}}}, option.WithResponseInto(&raw))
	if err != nil {
		t.Fatalf("tokens: %v", err)
	}
	checkRouted(t, raw.Header, "vectors", "openai/text-embedding-3-small", true)
	if len(resp.Data) != 1 || float32(resp.Data[0].Embedding[3]) != openaifake.Vector(0, 4)[3] {
		t.Errorf("tokens: data %+v, want the OpenAI fake's vector", resp.Data)
	}
	if n := len(g.gemini.Requests()); n != 1 {
		t.Errorf("gemini calls %d after token input, want still 1: nothing is sent for input it cannot take", n)
	}
}
