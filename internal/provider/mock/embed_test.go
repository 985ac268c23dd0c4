package mock_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/provider"
	"github.com/switchyard-llm/switchyard/internal/provider/mock"
)

type item struct {
	Index     int             `json:"index"`
	Embedding json.RawMessage `json:"embedding"`
}

func embed(t *testing.T, p provider.Provider, input string, dims *int, format string) (*provider.EmbedResponse, []item) {
	t.Helper()
	resp, err := p.(provider.Embedder).Embed(context.Background(), &provider.EmbedCall{Model: "embed-small",
		Request: &provider.EmbedRequest{Input: json.RawMessage(input), Dimensions: dims, EncodingFormat: format}})
	if err != nil {
		t.Fatal(err)
	}
	var items []item
	if err := json.Unmarshal(resp.Data, &items); err != nil {
		t.Fatal(err)
	}
	return resp, items
}

func floats(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	var v []float64
	if json.Unmarshal(raw, &v) == nil {
		return v
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("embedding %s is neither floats nor base64", raw)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+4 <= len(b); i += 4 {
		v = append(v, float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))))
	}
	return v
}

// TestEmbed: the mock embeds each input to a unit vector seeded by the
// input alone (the same text, the same vector, wherever it stands), of the
// requested size, as floats or base64 float32s, with usage counted.
func TestEmbed(t *testing.T) {
	p, err := mock.New(config.Provider{Type: "mock"}, provider.Env{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	resp, items := embed(t, p, `["hello", "world"]`, nil, "")
	if len(items) != 2 || resp.Object != "list" || resp.Model != "embed-small" {
		t.Fatalf("answer %+v items %d", resp, len(items))
	}
	if resp.Usage.PromptTokens != 4 || resp.Usage.TotalTokens != 4 {
		t.Errorf("usage %+v, want 4 tokens (two 5-byte texts at 4 bytes a token)", resp.Usage)
	}
	if tok, titems := embed(t, p, `[[1, 2, 3], [4]]`, nil, ""); len(titems) != 2 || tok.Usage.PromptTokens != 4 {
		t.Errorf("token arrays: %d items, usage %+v; want 2 and 4 tokens", len(titems), tok.Usage)
	}
	hello := floats(t, items[0].Embedding)
	if len(hello) != mock.DefaultDimensions {
		t.Fatalf("%d dimensions, want the default %d", len(hello), mock.DefaultDimensions)
	}
	norm := 0.0
	for _, f := range hello {
		norm += f * f
	}
	if math.Abs(norm-1) > 1e-9 {
		t.Errorf("|v|² = %v, want 1", norm)
	}
	_, again := embed(t, p, `["world", "hello"]`, nil, "")
	if string(again[1].Embedding) != string(items[0].Embedding) {
		t.Error("the same text embedded to another vector")
	}
	if string(again[0].Embedding) == string(again[1].Embedding) {
		t.Error("two texts embedded to the same vector")
	}
	d := 16
	_, b64 := embed(t, p, `"hello"`, &d, "base64")
	v := floats(t, b64[0].Embedding)
	if len(v) != 16 {
		t.Fatalf("base64 vector of %d dimensions, want 16", len(v))
	}
	_, f16 := embed(t, p, `"hello"`, &d, "float")
	for i, f := range floats(t, f16[0].Embedding) {
		if math.Abs(f-v[i]) > 1e-6 {
			t.Fatalf("base64 and float answers differ at %d: %v vs %v", i, v[i], f)
		}
	}
}

// TestEmbedFails: the configured failure rate applies to embeddings too.
func TestEmbedFails(t *testing.T) {
	p, err := mock.New(config.Provider{Type: "mock", FailRate: 1, FailStatus: 503}, provider.Env{Name: "local"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.(provider.Embedder).Embed(context.Background(), &provider.EmbedCall{Model: "m",
		Request: &provider.EmbedRequest{Input: json.RawMessage(`"x"`)}})
	if provider.ClassOf(err) != provider.ClassServer {
		t.Errorf("error %v, want a simulated 503", err)
	}
}
