package e2e

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/fakes/openaifake"
)

// answer is what the caller must see for one fixture of a fake upstream.
type answer struct {
	content                   string
	finish                    string
	prompt, completion, total int64
	calls                     []call
}

// call is an expected tool call; args is its JSON arguments, compared as
// JSON values (numbers exactly: Bedrock's fixture has a 20-digit id).
type call struct{ id, name, args string }

// upstream is one provider under test, called directly as provider/model.
type upstream struct {
	provider, model string
	hits            func(*gateway) int
	// tools scripts the fake's next answer to be its tool-call example.
	tools func(*gateway)
	// text and stream are the documented text answers; toolsDone and
	// toolsStream the tool-call ones (toolsStream nil: the fake has no
	// streamed tool-call example).
	text, stream, toolsDone, toolsStream *answer
}

var upstreams = []upstream{
	{
		provider: "openai", model: openaiModel,
		hits:   func(g *gateway) int { return g.openai.Hits(openaiModel) },
		tools:  func(g *gateway) { g.openai.Script(openaiModel, openaifake.Fault{Kind: openaifake.Tools}) },
		text:   &answer{content: "Hello! How can I assist you today?", finish: "stop", prompt: 19, completion: 10, total: 29},
		stream: &answer{content: "Hello! How can I help?", finish: "stop", prompt: 9, completion: 6, total: 15},
		toolsDone: &answer{finish: "tool_calls", prompt: 82, completion: 17, total: 99, calls: []call{
			{"call_abc123", "get_current_weather", `{"location": "Boston, MA"}`}}},
		toolsStream: &answer{finish: "tool_calls", prompt: 82, completion: 17, total: 99, calls: []call{
			{"call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_current_weather", `{"location": "Boston, MA"}`}}},
	},
	{
		provider: "anthropic", model: anthropicModel,
		hits:   func(g *gateway) int { return g.anthropic.Hits(anthropicModel) },
		tools:  func(g *gateway) { g.anthropic.Script(anthropicModel, anthropicfake.Tools()) },
		text:   &answer{content: "Hello!", finish: "stop", prompt: 12, completion: 6, total: 18},
		stream: &answer{content: "Hello!", finish: "stop", prompt: 25, completion: 15, total: 40},
		toolsDone: &answer{content: "I'll check the current weather in San Francisco for you.", finish: "tool_calls",
			prompt: 472, completion: 89, total: 561, calls: []call{
				{"toolu_01A09q90qw90lq917835lq9", "get_weather", `{"location": "San Francisco, CA", "unit": "celsius"}`},
				{"toolu_01B19q90qw90lq917835lq8", "get_time", `{}`}}},
		toolsStream: &answer{content: "Okay, let's check the weather for San Francisco, CA:", finish: "tool_calls",
			prompt: 472, completion: 89, total: 561, calls: []call{
				{"toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", `{"location": "San Francisco, CA", "unit": "fahrenheit"}`}}},
	},
	{
		provider: "gemini", model: geminiModel,
		hits:   func(g *gateway) int { return g.gemini.Hits(geminiModel) },
		tools:  func(g *gateway) { g.gemini.Script(geminiModel, geminifake.Tools()) },
		text:   &answer{content: "AI learns patterns from data to make predictions or decisions.", finish: "stop", prompt: 8, completion: 412, total: 420},
		stream: &answer{content: "The quick brown fox jumps over the lazy dog.", finish: "stop", prompt: 8, completion: 10, total: 18},
		toolsDone: &answer{finish: "tool_calls", prompt: 62, completion: 31, total: 93, calls: []call{
			{"call_0__thought__CiQBcsjafBNq3f0kpT2ZBJo9FkK8ykXx6u5zqU/0NJ2CgQ==", "get_current_weather", `{"location": "Boston, MA"}`},
			{"call_1", "get_current_time", `{"timezone": "America/New_York"}`}}},
		toolsStream: &answer{content: "Let me check the weather for you.", finish: "tool_calls", prompt: 71, completion: 109, total: 180, calls: []call{
			{"call_0__thought__EjQKMgG+Pvb7kXYz0Nq1l3gYwz0+g==", "get_current_weather", `{"location": "Paris, France", "unit": "celsius"}`},
			{"call_1", "get_current_weather", `{"location": "London, UK", "unit": "celsius"}`}}},
	},
	{
		provider: "bedrock", model: bedrockModel,
		hits:   func(g *gateway) int { return g.bedrock.Hits(bedrockModel) },
		tools:  func(g *gateway) { g.bedrock.Script(bedrockModel, bedrockfake.Tools()) },
		text:   &answer{content: "Bonjour ! La capitale de l'Italie est Rome.", finish: "stop", prompt: 30, completion: 14, total: 44},
		stream: &answer{content: "Bonjour ! La capitale est Rome.", finish: "stop", prompt: 30, completion: 9, total: 39},
		toolsDone: &answer{content: "I'll look up both.", finish: "tool_calls", prompt: 410, completion: 98, total: 508, calls: []call{
			{"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather", `{"city": "Paris", "units": "celsius"}`},
			{"tooluse_0cf2YgjBTTCk5IT2uoJXWg", "get_order", `{"order_id": 12345678901234567890, "filters": {"status": ["shipped", "pending"]}, "limit": 2.5}`}}},
		toolsStream: &answer{content: "I'll look up both.", finish: "tool_calls", prompt: 3510, completion: 98, total: 3608, calls: []call{
			{"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather", `{"city": "Paris"}`},
			{"tooluse_0cf2YgjBTTCk5IT2uoJXWg", "get_order", `{"order_id": 12345678901234567890}`}}},
	},
}

// weatherTools are the functions offered in the tool-call requests.
func weatherTools() []openai.ChatCompletionToolUnionParam {
	fn := func(name, prop string) openai.ChatCompletionToolUnionParam {
		return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: name,
			Parameters: shared.FunctionParameters{"type": "object",
				"properties": map[string]any{prop: map[string]any{"type": "string"}}},
		})
	}
	return []openai.ChatCompletionToolUnionParam{fn("get_weather", "location"), fn("get_time", "timezone"),
		fn("get_current_weather", "location"), fn("get_current_time", "timezone"), fn("get_order", "order_id")}
}

// TestProviders: for each provider, called directly as provider/model, the
// SDK gets the documented answer translated exactly — content, usage,
// finish_reason, tool calls — streamed and not, with the routing headers
// and, non-streamed, a positive cost for the priced catalog model.
func TestProviders(t *testing.T) {
	for _, u := range upstreams {
		target := u.provider + "/" + u.model
		t.Run(u.provider+"/text", func(t *testing.T) {
			g := newGateway(t)
			resp, raw := g.complete(userParams(target, "Hello!"))
			checkCompletion(t, resp, *u.text)
			checkRouted(t, raw.Header, "direct", target, false)
			costOf(t, raw.Header)
			if raw.Header.Get("x-upstream-request-id") == "" {
				t.Error("no x-upstream-request-id: the provider's request id must reach the caller")
			}
			if n := u.hits(g); n != 1 {
				t.Errorf("upstream hits = %d, want 1", n)
			}
		})
		t.Run(u.provider+"/stream", func(t *testing.T) {
			g := newGateway(t)
			got := g.stream(streamParams(target, "Hello!"))
			checkStream(t, got, *u.stream)
			checkRouted(t, got.header, "direct", target, false)
			if got.header.Get("x-upstream-request-id") == "" {
				t.Error("no x-upstream-request-id on the stream: the provider's request id must reach the caller")
			}
			if n := u.hits(g); n != 1 {
				t.Errorf("upstream hits = %d, want 1", n)
			}
		})
		t.Run(u.provider+"/tools", func(t *testing.T) {
			g := newGateway(t)
			u.tools(g)
			p := userParams(target, "What's the weather?")
			p.Tools = weatherTools()
			resp, raw := g.complete(p)
			checkCompletion(t, resp, *u.toolsDone)
			checkRouted(t, raw.Header, "direct", target, false)
			costOf(t, raw.Header)
		})
		if u.toolsStream == nil {
			continue
		}
		t.Run(u.provider+"/tools_stream", func(t *testing.T) {
			g := newGateway(t)
			u.tools(g)
			p := streamParams(target, "What's the weather?")
			p.Tools = weatherTools()
			got := g.stream(p)
			checkStream(t, got, *u.toolsStream)
			checkRouted(t, got.header, "direct", target, false)
		})
	}
}

func checkCompletion(t *testing.T, resp *openai.ChatCompletion, want answer) {
	t.Helper()
	if len(resp.Choices) != 1 {
		t.Fatalf("%d choices, want 1: %s", len(resp.Choices), resp.RawJSON())
	}
	checkAnswer(t, resp.Choices[0].Message, resp.Choices[0].FinishReason, resp.Usage, want)
}

func checkStream(t *testing.T, got streamed, want answer) {
	t.Helper()
	if got.err != nil {
		t.Fatalf("stream: %v", got.err)
	}
	if got.chunks < 2 || len(got.acc.Choices) != 1 {
		t.Fatalf("%d chunks, %d accumulated choices", got.chunks, len(got.acc.Choices))
	}
	checkAnswer(t, got.acc.Choices[0].Message, got.acc.Choices[0].FinishReason, got.acc.Usage, want)
}

func checkAnswer(t *testing.T, msg openai.ChatCompletionMessage, finish string, usage openai.CompletionUsage, want answer) {
	t.Helper()
	if msg.Content != want.content {
		t.Errorf("content = %q, want %q", msg.Content, want.content)
	}
	if finish != want.finish {
		t.Errorf("finish_reason = %q, want %q", finish, want.finish)
	}
	if usage.PromptTokens != want.prompt || usage.CompletionTokens != want.completion || usage.TotalTokens != want.total {
		t.Errorf("usage = %d/%d/%d, want %d/%d/%d", usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens,
			want.prompt, want.completion, want.total)
	}
	if len(msg.ToolCalls) != len(want.calls) {
		t.Fatalf("%d tool calls, want %d: %+v", len(msg.ToolCalls), len(want.calls), msg.ToolCalls)
	}
	for i, tc := range msg.ToolCalls {
		w := want.calls[i]
		if tc.ID != w.id || tc.Type != "function" || tc.Function.Name != w.name {
			t.Errorf("tool call %d = id %q type %q name %q, want %q function %q", i, tc.ID, tc.Type, tc.Function.Name, w.id, w.name)
		}
		if !sameJSON(tc.Function.Arguments, w.args) {
			t.Errorf("tool call %d arguments = %s, want %s", i, tc.Function.Arguments, w.args)
		}
	}
}

// sameJSON reports whether a and b are the same JSON value; a must be
// valid JSON on its own, as the arguments a caller parses.
func sameJSON(a, b string) bool {
	decode := func(s string) (any, bool) {
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		var v any
		return v, dec.Decode(&v) == nil && !dec.More()
	}
	x, okA := decode(a)
	y, okB := decode(b)
	return okA && okB && reflect.DeepEqual(x, y)
}
