package e2e

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
)

// paramRouters are routers whose targets carry provider-specific params,
// added to testdata/gateway.yaml. bedrock-big-number's seed is 2^53+1,
// which a float64 round trip turns into 2^53.
const paramRouters = `
routers:
  anthropic-thinking:
    strategy: fallback
    targets:
      - model: anthropic/claude-haiku-4-5
        params: {thinking: {type: enabled, budget_tokens: 2048}}
  anthropic-sampling:
    strategy: fallback
    targets:
      - model: anthropic/claude-haiku-4-5
        params: {top_k: 40, top_p: 0.9}
  gemini-safety:
    strategy: fallback
    targets:
      - model: gemini/gemini-2.5-flash
        params:
          safetySettings: [{category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_ONLY_HIGH}]
          thinking_config: {thinkingBudget: 0}
  bedrock-fields:
    strategy: fallback
    targets:
      - model: bedrock/anthropic.claude-haiku-4-5-20251001-v1:0
        params:
          additionalModelRequestFields: {top_k: 200}
          performanceConfig: {latency: optimized}
  bedrock-big-number:
    strategy: fallback
    targets:
      - model: bedrock/anthropic.claude-haiku-4-5-20251001-v1:0
        params:
          additionalModelRequestFields: {seed: 9007199254740993}
  per-target:
    strategy: fallback
    targets:
      - model: anthropic/claude-haiku-4-5
        params: {top_k: 40}
      - model: gemini/gemini-2.5-flash
        params:
          safetySettings: [{category: HARM_CATEGORY_DANGEROUS_CONTENT, threshold: BLOCK_NONE}]
`

// paramCase is one request and what the upstream must have received.
type paramCase struct {
	name string
	// model routes the request; body adds top-level fields (extra.<p>, an
	// inline router) as raw JSON.
	model string
	body  map[string]string
	// script prepares the fakes; router, target and fallback are the
	// routing headers wanted.
	script         func(g *gateway)
	router, target string
	fallback       bool
	// upstream is the body the serving target received; want maps a dotted
	// path in it to its JSON value (numbers compared exactly), "-" meaning
	// the key must be absent. also checks other targets' bodies.
	upstream func(t *testing.T, g *gateway) []byte
	want     map[string]string
	also     []bodyCheck
}

type bodyCheck struct {
	who  string
	body func(t *testing.T, g *gateway) []byte
	want map[string]string
}

func lastAnthropic(t *testing.T, g *gateway) []byte {
	t.Helper()
	r := g.anthropic.Requests()
	if len(r) == 0 {
		t.Fatal("anthropic received no request")
	}
	return r[len(r)-1].Raw
}

func lastGemini(t *testing.T, g *gateway) []byte {
	t.Helper()
	r := g.gemini.Requests()
	if len(r) == 0 {
		t.Fatal("gemini received no request")
	}
	return r[len(r)-1].Body
}

func lastBedrock(t *testing.T, g *gateway) []byte {
	t.Helper()
	r := g.bedrock.Requests()
	if len(r) == 0 {
		t.Fatal("bedrock received no request")
	}
	return r[len(r)-1].Body
}

const harassment = `[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}]`

var paramCases = []paramCase{
	{
		name: "anthropic/target_thinking", model: "router/anthropic-thinking",
		router: "anthropic-thinking", target: anthropicTarget, upstream: lastAnthropic,
		want: map[string]string{"thinking": `{"type": "enabled", "budget_tokens": 2048}`},
	},
	{
		name: "anthropic/target_sampling", model: "router/anthropic-sampling",
		router: "anthropic-sampling", target: anthropicTarget, upstream: lastAnthropic,
		want: map[string]string{"top_k": `40`, "top_p": `0.9`, "metadata": "-"},
	},
	{
		// extra.anthropic wins over the target's params; null removes one.
		name: "anthropic/extra_over_target", model: "router/anthropic-sampling",
		body:   map[string]string{"extra": `{"anthropic": {"top_k": 5, "top_p": null, "metadata": {"user_id": "u-42"}}}`},
		router: "anthropic-sampling", target: anthropicTarget, upstream: lastAnthropic,
		want: map[string]string{"top_k": `5`, "top_p": "-", "metadata": `{"user_id": "u-42"}`},
	},
	{
		name: "anthropic/extra_direct", model: anthropicTarget,
		body:   map[string]string{"extra": `{"anthropic": {"thinking": {"type": "enabled", "budget_tokens": 1024}}, "gemini": {"topK": 3}}`},
		router: "direct", target: anthropicTarget, upstream: lastAnthropic,
		want: map[string]string{"thinking": `{"type": "enabled", "budget_tokens": 1024}`, "topK": "-", "top_k": "-", "extra": "-"},
	},
	{
		// vLLora's spelling: a flat target whose extra keys are params.
		name: "anthropic/inline_router", model: "ignored-for-inline",
		body:   map[string]string{"router": `{"type": "fallback", "targets": [{"model": "anthropic/claude-haiku-4-5", "top_k": 7}]}`},
		router: "inline", target: anthropicTarget, upstream: lastAnthropic,
		want: map[string]string{"top_k": `7`, "router": "-"},
	},
	{
		name: "gemini/target_safety", model: "router/gemini-safety",
		router: "gemini-safety", target: geminiTarget, upstream: lastGemini,
		want: map[string]string{"safetySettings": harassment, "generationConfig.thinkingConfig": `{"thinkingBudget": 0}`,
			"thinking_config": "-", "generationConfig.topK": "-"},
	},
	{
		name: "gemini/extra_over_target", model: "router/gemini-safety",
		body:   map[string]string{"extra": `{"gemini": {"thinkingConfig": {"thinkingBudget": 512}, "topK": 3}}`},
		router: "gemini-safety", target: geminiTarget, upstream: lastGemini,
		want: map[string]string{"safetySettings": harassment, "generationConfig.thinkingConfig": `{"thinkingBudget": 512}`,
			"generationConfig.topK": `3`},
	},
	{
		name: "gemini/extra_direct", model: geminiTarget,
		body:   map[string]string{"extra": `{"gemini": {"safety_settings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_LOW_AND_ABOVE"}]}}`},
		router: "direct", target: geminiTarget, upstream: lastGemini,
		want: map[string]string{"safetySettings": `[{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_LOW_AND_ABOVE"}]`},
	},
	{
		name: "bedrock/target_fields", model: "router/bedrock-fields",
		router: "bedrock-fields", target: bedrockTarget, upstream: lastBedrock,
		want: map[string]string{"additionalModelRequestFields": `{"top_k": 200}`,
			"performanceConfig": `{"latency": "optimized"}`, "requestMetadata": "-", "guardrailConfig": "-"},
	},
	{
		// docs/providers/bedrock.md: passed through as is, numbers exact.
		name: "bedrock/target_big_integer", model: "router/bedrock-big-number",
		router: "bedrock-big-number", target: bedrockTarget, upstream: lastBedrock,
		want: map[string]string{"additionalModelRequestFields": `{"seed": 9007199254740993}`},
	},
	{
		name: "bedrock/inline_big_integer", model: "ignored-for-inline",
		body: map[string]string{"router": `{"strategy": "fallback", "targets": [{"model": "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0",
			"params": {"additionalModelRequestFields": {"seed": 9007199254740993}}}]}`},
		router: "inline", target: bedrockTarget, upstream: lastBedrock,
		want: map[string]string{"additionalModelRequestFields": `{"seed": 9007199254740993}`},
	},
	{
		// additionalModelRequestFields merge key by key, extra.bedrock winning.
		name: "bedrock/extra_merged_with_target", model: "router/bedrock-fields",
		body: map[string]string{"extra": `{"bedrock": {
			"additionalModelRequestFields": {"top_k": 50, "thinking": {"type": "enabled", "budget_tokens": 2048}},
			"requestMetadata": {"team": "search"},
			"guardrailConfig": {"guardrailIdentifier": "gr-abc123", "guardrailVersion": "1"}}}`},
		router: "bedrock-fields", target: bedrockTarget, upstream: lastBedrock,
		want: map[string]string{
			"additionalModelRequestFields":        `{"top_k": 50, "thinking": {"type": "enabled", "budget_tokens": 2048}}`,
			"performanceConfig":                   `{"latency": "optimized"}`,
			"requestMetadata":                     `{"team": "search"}`,
			"guardrailConfig.guardrailIdentifier": `"gr-abc123"`,
			"guardrailConfig.guardrailVersion":    `"1"`,
		},
	},
	{
		name: "bedrock/extra_direct", model: bedrockTarget,
		body:   map[string]string{"extra": `{"bedrock": {"additional_model_request_fields": {"top_k": 12345678901234567890}}}`},
		router: "direct", target: bedrockTarget, upstream: lastBedrock,
		want: map[string]string{"additionalModelRequestFields": `{"top_k": 12345678901234567890}`},
	},
	{
		// Params belong to their target: after Anthropic fails, Gemini gets
		// its own params and not Anthropic's top_k (which Gemini would
		// otherwise map to generationConfig.topK).
		name: "per_target_on_fallback", model: "router/per-target",
		script: func(g *gateway) { g.anthropic.Script(anthropicModel, anthropicfake.Overloaded()) },
		router: "per-target", target: geminiTarget, fallback: true, upstream: lastGemini,
		want: map[string]string{"safetySettings": `[{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "BLOCK_NONE"}]`,
			"generationConfig.topK": "-", "top_k": "-"},
		also: []bodyCheck{{who: anthropicTarget, body: lastAnthropic, want: map[string]string{"top_k": `40`, "safetySettings": "-"}}},
	},
}

// TestTargetParamsReachUpstream: a router target's params and the
// request's extra.<provider> arrive in the upstream request body, as the
// fake received it, streamed and not.
func TestTargetParamsReachUpstream(t *testing.T) {
	for _, tc := range paramCases {
		for _, stream := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: "/complete", true: "/stream"}[stream], func(t *testing.T) {
				g := newGatewayWith(t, paramRouters)
				if tc.script != nil {
					tc.script(g)
				}
				p := userParams(tc.model, "Hello!")
				if stream {
					p = streamParams(tc.model, "Hello!")
				}
				if len(tc.body) > 0 {
					extra := map[string]any{}
					for k, v := range tc.body {
						extra[k] = json.RawMessage(v)
					}
					p.SetExtraFields(extra)
				}
				if stream {
					got := g.stream(p)
					if got.err != nil {
						t.Fatalf("stream: %v", got.err)
					}
					checkRouted(t, got.header, tc.router, tc.target, tc.fallback)
				} else {
					_, raw := g.complete(p)
					checkRouted(t, raw.Header, tc.router, tc.target, tc.fallback)
				}
				checkBody(t, tc.target, tc.upstream(t, g), tc.want)
				for _, c := range tc.also {
					checkBody(t, c.who, c.body(t, g), c.want)
				}
			})
		}
	}
}

// checkBody compares the fields of an upstream body at dotted paths.
func checkBody(t *testing.T, who string, body []byte, want map[string]string) {
	t.Helper()
	doc := exactJSON(t, body)
	for path, w := range want {
		got, ok := lookup(doc, path)
		if w == "-" {
			if ok {
				t.Errorf("%s body has %s = %v, want it absent\n%s", who, path, got, body)
			}
			continue
		}
		if !ok {
			t.Errorf("%s body has no %s, want %s\n%s", who, path, w, body)
			continue
		}
		if wv := exactJSON(t, []byte(w)); !reflect.DeepEqual(got, wv) {
			t.Errorf("%s body %s = %v, want %s\n%s", who, path, got, w, body)
		}
	}
}

// exactJSON decodes with json.Number, so 2^53+1 stays itself.
func exactJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func lookup(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}
