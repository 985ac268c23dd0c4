package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

const embedConfig = `
providers:
  up: {type: openai-compatible, base_url: FAKE, api_key: env:FAKE_UPSTREAM_API_KEY}
  # A provider that cannot embed (Anthropic has no embeddings API): its
  # target fails as unsupported before any call.
  chatonly: {type: anthropic, base_url: "http://127.0.0.1:1", api_key: env:FAKE_UPSTREAM_API_KEY}
models:
  up/e1: {input_per_mtok: 1000, output_per_mtok: 1000}
  up/e2: {input_per_mtok: 1000, output_per_mtok: 1000}
routers:
  emb:
    strategy: fallback
    targets: [{model: chatonly/e0}, {model: up/e1}, {model: up/e2}]
  capped: {strategy: fallback, targets: [{model: up/e1}]}
  sized: {strategy: fallback, targets: [{model: up/e1, params: {dimensions: 2}}]}
budgets:
  - {name: emb-cap, scope: "router:capped", limit_usd: 0.15, period: day, on_exceed: reject}
`

// TestEmbeddingsSDKFallback: the openai-go SDK embeds through a router
// whose first target's provider cannot embed (unsupported, skipped) and
// whose second fails with a 503: the third serves, the vectors and usage
// are relayed, and the routing headers say so. Every input shape reaches
// the upstream as sent.
func TestEmbeddingsSDKFallback(t *testing.T) {
	tests := []struct {
		name   string
		input  openai.EmbeddingNewParamsInputUnion
		n      int
		tokens int64
	}{
		{"string", openai.EmbeddingNewParamsInputUnion{OfString: openai.String("abcdefgh")}, 1, 2},
		{"strings", openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"abcd", "abcdefgh"}}, 2, 3},
		{"tokens", openai.EmbeddingNewParamsInputUnion{OfArrayOfTokens: []int64{1, 2, 3}}, 1, 3},
		{"token arrays", openai.EmbeddingNewParamsInputUnion{OfArrayOfTokenArrays: [][]int64{{1}, {2, 3}}}, 2, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh gateway each: the chatonly target's failures would
			// otherwise cool it down, and it would be skipped.
			h := newHarnessConfig(t, embedConfig)
			client := sdkClient(h)
			h.fake.Script("e1", openaifake.Fault{Kind: openaifake.Status, Status: 503})
			var raw *http.Response
			resp, err := client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
				Model: "router/emb", Input: tc.input, Dimensions: openai.Int(4),
			}, option.WithResponseInto(&raw))
			if err != nil {
				t.Fatalf("SDK call: %v", err)
			}
			if len(resp.Data) != tc.n || resp.Usage.PromptTokens != tc.tokens {
				t.Fatalf("data %d usage %+v", len(resp.Data), resp.Usage)
			}
			for i, d := range resp.Data {
				want := openaifake.Vector(i, 4)
				if int(d.Index) != i || len(d.Embedding) != 4 || float32(d.Embedding[3]) != want[3] {
					t.Errorf("data[%d] = %+v, want %v", i, d, want)
				}
			}
			hd := raw.Header
			if hd.Get("x-switchyard-target") != "up/e2" || hd.Get("x-switchyard-fallback") != "true" ||
				hd.Get("x-switchyard-attempts") != "3" || hd.Get("x-switchyard-router") != "emb" || hd.Get("x-switchyard-trace-id") == "" {
				t.Errorf("headers %v", hd)
			}
			// tokens × $1000/Mtok.
			if got, want := hd.Get("x-switchyard-cost-usd"), strconv.FormatFloat(math.Round(float64(tc.tokens)*0.001*1e12)/1e12, 'f', -1, 64); got != want {
				t.Errorf("cost %s, want %s", got, want)
			}
			reqs := h.fake.Requests()
			if last := reqs[len(reqs)-1]; last["model"] != "e2" || last["dimensions"] != float64(4) {
				t.Errorf("upstream request %v", last)
			}
		})
	}
}

// TestEmbeddingsBase64: encoding_format base64 is relayed; the SDK decodes
// the little-endian float32s into the same vector.
func TestEmbeddingsBase64(t *testing.T) {
	h := newHarnessConfig(t, embedConfig)
	resp, body := h.post("/v1/embeddings", map[string]any{"model": "up/e1", "input": "hello", "encoding_format": "base64", "dimensions": 3})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	var got struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got.Data) != 1 {
		t.Fatalf("body %s: %v", body, err)
	}
	b, err := base64.StdEncoding.DecodeString(got.Data[0].Embedding)
	if err != nil || len(b) != 12 {
		t.Fatalf("base64 %q: %v", got.Data[0].Embedding, err)
	}
	if v := math.Float32frombits(binary.LittleEndian.Uint32(b[8:])); v != openaifake.Vector(0, 3)[2] {
		t.Errorf("decoded %v", v)
	}
}

// TestEmbeddingsBudget: an embedding's worst case is its input estimate
// (×1.5) at the input price, with no output; the real cost settles it.
// 200 bytes: worst ≈ $0.087, real 50 tokens = $0.05, under a $0.15 cap:
// the first two fit only because the first settled at its real cost; the
// third is refused with a 429 before any upstream call.
func TestEmbeddingsBudget(t *testing.T) {
	h := newHarnessConfig(t, embedConfig)
	client := sdkClient(h)
	params := openai.EmbeddingNewParams{Model: "router/capped",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String(strings.Repeat("x", 200))}}
	for i := range 2 {
		var raw *http.Response
		if _, err := client.Embeddings.New(context.Background(), params, option.WithResponseInto(&raw)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := raw.Header.Get("x-switchyard-cost-usd"); got != "0.05" {
			t.Errorf("request %d cost %s", i, got)
		}
	}
	_, err := client.Embeddings.New(context.Background(), params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || !strings.Contains(apiErr.Message, "emb-cap") {
		t.Fatalf("third request: %v", err)
	}
	if n := h.fake.Hits("e1"); n != 2 {
		t.Errorf("upstream hits %d, want 2", n)
	}
}

// TestEmbeddingsBadRequests: malformed inputs are refused at the door in
// the OpenAI error envelope, with no upstream call.
func TestEmbeddingsBadRequests(t *testing.T) {
	h := newHarnessConfig(t, embedConfig)
	tests := []struct {
		name  string
		body  map[string]any
		param string
	}{
		{"no input", map[string]any{"model": "up/e1"}, "input"},
		{"empty string", map[string]any{"model": "up/e1", "input": ""}, "input"},
		{"object input", map[string]any{"model": "up/e1", "input": map[string]any{"a": 1}}, "input"},
		{"zero dimensions", map[string]any{"model": "up/e1", "input": "a", "dimensions": 0}, "dimensions"},
		{"bad format", map[string]any{"model": "up/e1", "input": "a", "encoding_format": "int8"}, "encoding_format"},
		// One upstream call per text on some providers: OpenAI's 2,048 bound.
		{"too many inputs", map[string]any{"model": "up/e1", "input": manyInputs(2049)}, "input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.post("/v1/embeddings", tc.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			if e := decodeError(t, body); e.Error.Param == nil || *e.Error.Param != tc.param {
				t.Errorf("error %s", body)
			}
		})
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("%d upstream requests", n)
	}
}

// TestEmbeddingsTargetDimensions: a target's params.dimensions is the size
// it is sent and answers in, the size config validation compared the
// router's targets by. A caller who asks for another size is refused (400
// naming dimensions, no upstream call) rather than answered in a size it
// did not ask for; one who asks for that size or none is served.
func TestEmbeddingsTargetDimensions(t *testing.T) {
	h := newHarnessConfig(t, embedConfig)
	client := sdkClient(h)
	for _, dims := range []int64{0, 2} {
		p := openai.EmbeddingNewParams{Model: "router/sized", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hi")}}
		if dims > 0 {
			p.Dimensions = openai.Int(dims)
		}
		resp, err := client.Embeddings.New(context.Background(), p)
		if err != nil {
			t.Fatalf("dimensions %d: SDK call: %v", dims, err)
		}
		if len(resp.Data) != 1 || len(resp.Data[0].Embedding) != 2 {
			t.Errorf("dimensions %d: data %+v", dims, resp.Data)
		}
	}
	if got := h.fake.Requests()[0]["dimensions"]; got != float64(2) {
		t.Errorf("upstream dimensions %v", got)
	}
	_, err := client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "router/sized", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hi")}, Dimensions: openai.Int(5),
	})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "dimensions" {
		t.Fatalf("dimensions 5 from a router pinned at 2: %v, want a 400 naming dimensions", err)
	}
	if n := len(h.fake.Requests()); n != 2 {
		t.Errorf("%d upstream requests, want 2 (none for the refused size)", n)
	}
}

// TestEmbeddingsNeverMixSizes: in a router whose first target pins its
// size and whose fallback takes the caller's, a caller asking for another
// size is never answered by the pinned one: every answer has the size
// asked for, whichever target serves.
func TestEmbeddingsNeverMixSizes(t *testing.T) {
	h := newHarnessConfig(t, strings.Replace(embedConfig, "routers:\n",
		"routers:\n  mixed: {strategy: fallback, targets: [{model: up/e1, params: {dimensions: 2}}, {model: up/e2}]}\n", 1))
	client := sdkClient(h)
	resp, err := client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "router/mixed", Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hi")}, Dimensions: openai.Int(3),
	})
	if err != nil {
		t.Fatalf("SDK call: %v", err)
	}
	if len(resp.Data) != 1 || len(resp.Data[0].Embedding) != 3 {
		t.Errorf("answered %d dimensions, want the 3 asked for", len(resp.Data[0].Embedding))
	}
	if reqs := h.fake.Requests(); len(reqs) != 1 || reqs[0]["model"] != "e2" {
		t.Errorf("upstream requests %v, want one to e2", reqs)
	}
}

func manyInputs(n int) []string {
	in := make([]string, n)
	for i := range in {
		in[i] = "a"
	}
	return in
}
