package gemini

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// embedData is an OpenAI embeddings data list as a client reads it.
type embedData []struct {
	Object    string          `json:"object"`
	Index     int             `json:"index"`
	Embedding json.RawMessage `json:"embedding"`
}

func embedCall(model string, input any, dims *int, format string) *provider.EmbedCall {
	raw, _ := json.Marshal(input)
	return &provider.EmbedCall{Model: model, RequestID: "req-1",
		Request: &provider.EmbedRequest{Model: "router/embed", Input: raw, Dimensions: dims, EncodingFormat: format}}
}

// vectorOf reads one embedding, float array or base64 of little-endian
// float32s, as float32s.
func vectorOf(t *testing.T, raw json.RawMessage, format string) []float32 {
	t.Helper()
	if format == "base64" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("base64 embedding is not a string: %s", raw)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b)%4 != 0 {
			t.Fatalf("bad base64 embedding %q: %v", s, err)
		}
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out
	}
	var fs []float64
	if err := json.Unmarshal(raw, &fs); err != nil {
		t.Fatalf("float embedding is not a number array: %s", raw)
	}
	out := make([]float32, len(fs))
	for i, f := range fs {
		out[i] = float32(f)
	}
	return out
}

// TestEmbed: texts go to batchEmbedContents (the fake refuses any body the
// API would refuse), and the answer is OpenAI's shape with the vectors
// Gemini sent, as floats or base64 float32s, and the estimated usage.
func TestEmbed(t *testing.T) {
	four := 4
	tests := []struct {
		name   string
		input  any
		dims   *int
		format string
		want   int // dimensions of each vector
	}{
		{name: "one string, float", input: "hello world!", want: geminifake.DefaultDimensions},
		{name: "strings with dimensions, float", input: []string{"hello world!", "a"}, dims: &four, format: "float", want: 4},
		{name: "strings, base64", input: []string{"hello world!", "a"}, dims: &four, format: "base64", want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, geminifake.Reply{})
			resp, err := newTestClient(t, f.URL, nil).Embed(context.Background(), embedCall("gemini-embedding-001", tt.input, tt.dims, tt.format))
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			var texts []string
			switch in := tt.input.(type) {
			case string:
				texts = []string{in}
			case []string:
				texts = in
			}
			reqs := f.Requests()
			if len(reqs) != 1 || reqs[0].Method != "batchEmbedContents" || reqs[0].Model != "gemini-embedding-001" {
				t.Fatalf("upstream saw %+v, want one batchEmbedContents call for gemini-embedding-001", reqs)
			}
			sent, _ := geminifake.EmbedTexts(reqs[0].Body)
			if fmt.Sprint(sent) != fmt.Sprint(texts) {
				t.Errorf("upstream embedded %q, want %q", sent, texts)
			}
			if tt.dims != nil && !strings.Contains(string(reqs[0].Body), `"outputDimensionality":4`) {
				t.Errorf("dimensions not sent as outputDimensionality: %s", reqs[0].Body)
			}
			if resp.Object != "list" || resp.Model != "gemini-embedding-001" {
				t.Errorf("object %q model %q, want list and gemini-embedding-001", resp.Object, resp.Model)
			}
			var data embedData
			if err := json.Unmarshal(resp.Data, &data); err != nil || len(data) != len(texts) {
				t.Fatalf("data %s: %v, want %d entries", resp.Data, err, len(texts))
			}
			for i, d := range data {
				got := vectorOf(t, d.Embedding, tt.format)
				if d.Object != "embedding" || d.Index != i || fmt.Sprint(got) != fmt.Sprint(geminifake.Vector(i, tt.want)) {
					t.Errorf("data[%d] = %s %d %v, want embedding %d %v", i, d.Object, d.Index, got, i, geminifake.Vector(i, tt.want))
				}
			}
			// "hello world!" is 12 bytes: 3 tokens; "a" is one.
			wantTokens := map[int]int{1: 3, 2: 4}[len(texts)]
			if resp.Usage.PromptTokens != wantTokens || resp.Usage.TotalTokens != wantTokens {
				t.Errorf("usage %+v, want %d estimated prompt and total tokens", resp.Usage, wantTokens)
			}
		})
	}
}

// TestEmbedBatches: more inputs than one call may carry go in calls of
// at most 100, and the answer keeps the caller's order and indexes.
func TestEmbedBatches(t *testing.T) {
	f := newFake(t, geminifake.Reply{})
	texts := make([]string, 105)
	for i := range texts {
		texts[i] = fmt.Sprintf("text %d", i)
	}
	resp, err := newTestClient(t, f.URL, nil).Embed(context.Background(), embedCall("models/gemini-embedding-001", texts, nil, ""))
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	reqs := f.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d upstream calls, want 2 (100 + 5)", len(reqs))
	}
	first, _ := geminifake.EmbedTexts(reqs[0].Body)
	second, _ := geminifake.EmbedTexts(reqs[1].Body)
	if len(first) != 100 || len(second) != 5 || second[0] != "text 100" {
		t.Errorf("batches of %d and %d starting %q, want 100 and 5 starting \"text 100\"", len(first), len(second), second[0])
	}
	var data embedData
	if err := json.Unmarshal(resp.Data, &data); err != nil || len(data) != 105 {
		t.Fatalf("data: %v, %d entries, want 105", err, len(data))
	}
	// The fake's vectors are per call: entry 100 is the second call's first.
	if data[104].Index != 104 || fmt.Sprint(vectorOf(t, data[100].Embedding, "")) != fmt.Sprint(geminifake.Vector(0, geminifake.DefaultDimensions)) {
		t.Errorf("entry 100/104 = %d %s, want the second call's first vector at index 100", data[104].Index, data[100].Embedding)
	}
}

// TestEmbedErrors: what cannot be sent fails before any call as
// unsupported (the loop then tries the next target); upstream errors are
// classified as for chat, and the key never shows.
func TestEmbedErrors(t *testing.T) {
	tests := []struct {
		name      string
		reply     geminifake.Reply
		input     any
		wantClass provider.Class
		wantCalls int
		wantMsg   string
	}{
		{name: "token array", input: []int{1, 2, 3}, wantClass: provider.ClassUnsupported, wantMsg: "token-id arrays"},
		{name: "token arrays", input: [][]int{{1}, {2}}, wantClass: provider.ClassUnsupported, wantMsg: "token-id arrays"},
		{name: "rate limited", input: "hi", reply: geminifake.ResourceExhausted(), wantClass: provider.ClassRateLimit, wantCalls: 1},
		{name: "overloaded", input: "hi", reply: geminifake.Unavailable(), wantClass: provider.ClassServer, wantCalls: 1},
		{name: "invalid argument", input: "hi", reply: replyJSON(http.StatusBadRequest, "errors/invalid_argument.json", nil),
			wantClass: provider.ClassInvalidRequest, wantCalls: 1},
		{name: "bad key", input: "hi", reply: replyJSON(http.StatusBadRequest, "errors/api_key_invalid.json", nil),
			wantClass: provider.ClassAuth, wantCalls: 1},
		{name: "not an embeddings answer", input: "hi", reply: replyJSON(http.StatusOK, "responses/text.json", nil),
			wantClass: provider.ClassBadResponse, wantCalls: 1, wantMsg: "0 embeddings for 1 inputs"},
		{name: "cut", input: "hi", reply: geminifake.Reply{Cut: true}, wantClass: provider.ClassNetwork, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.reply)
			_, err := newTestClient(t, f.URL, nil).Embed(context.Background(), embedCall("gemini-embedding-001", tt.input, nil, ""))
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Class != tt.wantClass {
				t.Fatalf("err = %v, want class %s", err, tt.wantClass)
			}
			if !strings.Contains(pe.Message, tt.wantMsg) {
				t.Errorf("message %q does not say %q", pe.Message, tt.wantMsg)
			}
			if tt.wantClass == provider.ClassUnsupported && (pe.Status != http.StatusBadRequest || pe.Param != "input") {
				t.Errorf("unsupported input: status %d param %q, want 400 input", pe.Status, pe.Param)
			}
			if got := len(f.Requests()); got != tt.wantCalls {
				t.Errorf("%d upstream calls, want %d", got, tt.wantCalls)
			}
			mustNotLeakKey(t, err)
		})
	}
}

func TestEstimateEmbedTokens(t *testing.T) {
	for _, tt := range []struct {
		texts []string
		want  int
	}{{[]string{"a"}, 1}, {[]string{"abcd"}, 1}, {[]string{"abcde"}, 2}, {[]string{"abcd", "abcdefgh", "x"}, 4}} {
		if got := EstimateEmbedTokens(tt.texts); got != tt.want {
			t.Errorf("EstimateEmbedTokens(%q) = %d, want %d", tt.texts, got, tt.want)
		}
	}
}
