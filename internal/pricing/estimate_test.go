package pricing

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// estimateTolerance is how far EstimateInputTokens may stray from OpenAI's
// o200k_base count on the text samples in testdata/estimate.json, as a
// fraction of the true count: English prose runs about 4.7 bytes per o200k
// token and is overestimated, code and JSON about 3 and are
// underestimated. Other providers' tokenizers differ from o200k by a
// similar margin (Anthropic's counts more tokens for the same text), so
// this is the accuracy to expect of budget reservations.
const estimateTolerance = 0.30

// toolEstimateTolerance is the looser bound for requests with tools:
// OpenAI renders a function schema as compact TypeScript, fewer tokens than
// its JSON, while Anthropic adds a tool-use system prompt of some hundreds
// of tokens; the JSON size sits between the two.
const toolEstimateTolerance = 0.50

type estimateSample struct {
	Name   string          `json:"name"`
	Tokens int             `json:"o200k_tokens"`
	Raw    json.RawMessage `json:"request"`
}

func loadEstimateSamples(t testing.TB) []estimateSample {
	t.Helper()
	b, err := os.ReadFile("testdata/estimate.json")
	if err != nil {
		t.Fatal(err)
	}
	var samples []estimateSample
	if err := json.Unmarshal(b, &samples); err != nil {
		t.Fatal(err)
	}
	if len(samples) == 0 {
		t.Fatal("testdata/estimate.json has no samples")
	}
	return samples
}

func decodeRequest(t testing.TB, raw []byte) *chat.Request {
	t.Helper()
	var req chat.Request
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	return &req
}

func TestEstimateInputTokensTolerance(t *testing.T) {
	for _, s := range loadEstimateSamples(t) {
		t.Run(s.Name, func(t *testing.T) {
			req := decodeRequest(t, s.Raw)
			tolerance := estimateTolerance
			if len(req.Tools) > 0 {
				tolerance = toolEstimateTolerance
			}
			got := EstimateInputTokens(req)
			dev := float64(got-s.Tokens) / float64(s.Tokens)
			t.Logf("estimate %d, o200k %d, deviation %+.1f%%", got, s.Tokens, dev*100)
			if math.Abs(dev) > tolerance {
				t.Errorf("estimate %d is %+.0f%% off the o200k count %d (tolerance ±%.0f%%)",
					got, dev*100, s.Tokens, tolerance*100)
			}
		})
	}
}

func TestEstimateInputTokensMonotonic(t *testing.T) {
	base := func() *chat.Request {
		return &chat.Request{Messages: []chat.Message{
			{Role: "system", Content: chat.TextContent("You are terse.")},
			{Role: "user", Content: chat.TextContent("Name three rivers in Spain.")},
		}}
	}
	tests := []struct {
		name   string
		change func(r *chat.Request)
	}{
		{"longer text", func(r *chat.Request) {
			r.Messages[1].Content = chat.TextContent(r.Messages[1].Content.Text + " And three in Portugal, with their lengths.")
		}},
		{"another message", func(r *chat.Request) {
			r.Messages = append(r.Messages, chat.Message{Role: "user", Content: chat.TextContent("Thanks.")})
		}},
		{"empty message", func(r *chat.Request) {
			r.Messages = append(r.Messages, chat.Message{Role: "user", Content: chat.Content{Null: true}})
		}},
		{"a name", func(r *chat.Request) { r.Messages[1].Name = "maria" }},
		{"text part", func(r *chat.Request) {
			r.Messages[1].Content = chat.Content{IsParts: true, Parts: []chat.Part{
				{Type: "text", Text: r.Messages[1].Content.Text}, {Type: "text", Text: "Rivers only."},
			}}
		}},
		{"image part", func(r *chat.Request) {
			r.Messages[1].Content = chat.Content{IsParts: true, Parts: []chat.Part{
				{Type: "text", Text: r.Messages[1].Content.Text},
				{Type: "image_url", ImageURL: &chat.ImageURL{URL: "https://example.com/map.png"}},
			}}
		}},
		{"tool call", func(r *chat.Request) {
			r.Messages = append(r.Messages, chat.Message{Role: "assistant", Content: chat.Content{Null: true},
				ToolCalls: []chat.ToolCall{{ID: "call_1", Type: "function",
					Function: chat.FunctionCall{Name: "search", Arguments: `{"q":"rivers of Spain"}`}}}})
		}},
		{"tool definition", func(r *chat.Request) {
			r.Tools = []chat.Tool{{Type: "function", Function: chat.FunctionSpec{Name: "search",
				Parameters: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`)}}}
		}},
		{"response schema", func(r *chat.Request) {
			r.ResponseFormat = &chat.ResponseFormat{Type: "json_schema", JSONSchema: &chat.JSONSchema{Name: "rivers",
				Schema: json.RawMessage(`{"type":"array","items":{"type":"string"}}`)}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := EstimateInputTokens(base())
			r := base()
			tt.change(r)
			if after := EstimateInputTokens(r); after <= before {
				t.Errorf("estimate went from %d to %d; want it to grow", before, after)
			}
		})
	}
}

func TestEstimateInputTokensFixedCosts(t *testing.T) {
	withParts := func(parts ...chat.Part) *chat.Request {
		return &chat.Request{Messages: []chat.Message{{Role: "user", Content: chat.Content{IsParts: true, Parts: parts}}}}
	}
	empty := EstimateInputTokens(withParts())
	huge := json.RawMessage(`{"type":"input_audio","input_audio":{"format":"wav","data":"` + strings.Repeat("A", 1<<20) + `"}}`)
	small := json.RawMessage(`{"type":"file","file":{"file_id":"file-abc123"}}`)
	tests := []struct {
		name string
		req  *chat.Request
		want int // tokens over the same message with no parts
	}{
		{"image at default detail", withParts(chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: "data:image/png;base64,iVBORw0KGgo="}}), ImageTokens},
		{"image at high detail", withParts(chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: "https://example.com/a.png", Detail: "high"}}), ImageTokens},
		{"image at low detail", withParts(chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: "https://example.com/a.png", Detail: "low"}}), LowDetailImageTokens},
		{"two images", withParts(
			chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: "https://example.com/a.png"}},
			chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: "https://example.com/b.png"}}), 2 * ImageTokens},
		{"small opaque part by JSON size", withParts(chat.Part{Type: "file", Raw: small}), (len(small) + 3) / 4},
		{"base64 audio capped", withParts(chat.Part{Type: "input_audio", Raw: huge}), maxOpaquePartTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EstimateInputTokens(tt.req) - empty; got != tt.want {
				t.Errorf("parts add %d tokens, want %d", got, tt.want)
			}
		})
	}
}

func TestEstimateInputTokensIgnoresSchemaWhitespace(t *testing.T) {
	tool := func(params string) *chat.Request {
		return &chat.Request{Tools: []chat.Tool{{Type: "function", Function: chat.FunctionSpec{
			Name: "lookup", Parameters: json.RawMessage(params)}}}}
	}
	compact := tool(`{"type":"object","properties":{"city":{"type":"string","description":"a city name"}}}`)
	pretty := tool("{\n  \"type\": \"object\",\n  \"properties\": {\n    \"city\": {\n      \"type\": \"string\",\n      \"description\": \"a city name\"\n    }\n  }\n}")
	if c, p := EstimateInputTokens(compact), EstimateInputTokens(pretty); c != p {
		t.Errorf("compact schema estimates %d tokens, pretty-printed %d; want equal", c, p)
	}
}

func TestCompactLen(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{``, 0},
		{`{}`, 2},
		{"{ \"a\" : 1 }", len(`{"a":1}`)},
		{`{"a b":"c  d"}`, len(`{"a b":"c  d"}`)},                     // spaces inside strings count
		{`{"q":"say \"hi there\""}`, len(`{"q":"say \"hi there\""}`)}, // escaped quotes keep the string open
		{"[1,\n\t2]", len(`[1,2]`)},
		{`{"path":"C:\\\\"}`, len(`{"path":"C:\\\\"}`)}, // an escaped backslash does not escape the quote
		{`{"a":"unterminated`, len(`{"a":"unterminated`)},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			if got := compactLen([]byte(tt.doc)); got != tt.want {
				t.Errorf("compactLen(%q) = %d, want %d", tt.doc, got, tt.want)
			}
		})
	}
}

func TestEstimateInputTokensNil(t *testing.T) {
	if got := EstimateInputTokens(nil); got != 0 {
		t.Errorf("EstimateInputTokens(nil) = %d, want 0", got)
	}
}

func TestEstimateInputTokensDoesNotAllocate(t *testing.T) {
	for _, s := range loadEstimateSamples(t) {
		t.Run(s.Name, func(t *testing.T) {
			req := decodeRequest(t, s.Raw)
			if n := testing.AllocsPerRun(100, func() { EstimateInputTokens(req) }); n != 0 {
				t.Errorf("EstimateInputTokens allocates %v times per call, want 0", n)
			}
		})
	}
}
