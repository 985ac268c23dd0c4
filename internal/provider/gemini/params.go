package gemini

import (
	"encoding/json"
	"fmt"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// convertTools maps OpenAI function tools and tool_choice to Gemini's
// functionDeclarations and toolConfig.
func convertTools(r *chat.Request) ([]tool, *toolConfig, error) {
	if len(r.Tools) == 0 {
		// checkParameters refused a choice that demands a call; auto or
		// none without tools means nothing to Gemini.
		return nil, nil, nil
	}
	decls := make([]functionDeclaration, 0, len(r.Tools))
	names := map[string]bool{}
	for i, t := range r.Tools {
		at := fmt.Sprintf("tools[%d]", i)
		if t.Type != "" && t.Type != "function" {
			return nil, nil, invalid(at+".type", "only function tools are supported, not %q", t.Type)
		}
		if t.Function.Name == "" {
			return nil, nil, invalid(at+".function.name", "is required")
		}
		params, err := toolParameters(t.Function.Parameters)
		if err != nil {
			return nil, nil, invalid(at+".function.parameters", "%v", err)
		}
		names[t.Function.Name] = true
		decls = append(decls, functionDeclaration{Name: t.Function.Name, Description: t.Function.Description, Parameters: params})
	}
	tools := []tool{{FunctionDeclarations: decls}}
	tc := r.ToolChoice
	if tc == nil {
		return tools, nil, nil
	}
	if tc.Function != "" {
		if !names[tc.Function] {
			return nil, nil, invalid("tool_choice.function.name", "%q is not one of the request's tools", tc.Function)
		}
		return tools, &toolConfig{FunctionCallingConfig: functionCallingConfig{Mode: "ANY", AllowedFunctionNames: []string{tc.Function}}}, nil
	}
	modes := map[string]string{"auto": "AUTO", "none": "NONE", "required": "ANY"}
	mode, ok := modes[tc.Mode]
	if !ok {
		return nil, nil, invalid("tool_choice", "must be auto, none, required or a named function, not %q", tc.Mode)
	}
	return tools, &toolConfig{FunctionCallingConfig: functionCallingConfig{Mode: mode}}, nil
}

// toolParameters rewrites a function's JSON Schema for Gemini. A
// parameterless function is sent without parameters: Gemini rejects an
// OBJECT schema with no properties.
func toolParameters(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	s, err := geminiSchema(raw)
	if err != nil {
		return nil, err
	}
	if _, hasProps := s["properties"]; !hasProps && (s["type"] == nil || s["type"] == "object") {
		return nil, nil
	}
	return json.Marshal(s)
}

// convertGeneration maps the sampling and output parameters into
// generationConfig; nil when none is set.
func convertGeneration(r *chat.Request) (*generationConfig, error) {
	g := &generationConfig{
		StopSequences:    r.Stop,
		CandidateCount:   r.N,
		Temperature:      r.Temperature,
		TopP:             r.TopP,
		Seed:             r.Seed,
		PresencePenalty:  r.PresencePenalty,
		FrequencyPenalty: r.FrequencyPenalty,
		MaxOutputTokens:  r.MaxTokens,
	}
	if r.MaxCompletionTokens != nil {
		g.MaxOutputTokens = r.MaxCompletionTokens // the newer name wins, as in OpenAI
	}
	if rf := r.ResponseFormat; rf != nil {
		switch rf.Type {
		case "", "text":
		case "json_object":
			g.ResponseMimeType = "application/json"
		case "json_schema":
			if rf.JSONSchema == nil {
				return nil, invalid("response_format.json_schema", "is required when type is json_schema")
			}
			g.ResponseMimeType = "application/json"
			if len(rf.JSONSchema.Schema) > 0 && string(rf.JSONSchema.Schema) != "null" {
				s, err := geminiSchema(rf.JSONSchema.Schema)
				if err != nil {
					return nil, invalid("response_format.json_schema.schema", "%v", err)
				}
				if g.ResponseSchema, err = json.Marshal(s); err != nil {
					return nil, invalid("response_format.json_schema.schema", "%v", err)
				}
			}
		default:
			return nil, invalid("response_format.type", "must be text, json_object or json_schema, not %q", rf.Type)
		}
	}
	if err := applyLogprobs(r, g); err != nil {
		return nil, err
	}
	return g, nil
}

// reasoningBudgets maps OpenAI's reasoning_effort to a Gemini thinking
// budget, with the values Google's own OpenAI-compatible endpoint uses.
var reasoningBudgets = map[string]int{"none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576}

// applyProviderParams sets the Gemini-only parameters: safetySettings,
// thinkingConfig, cachedContent and topK, read from extra.gemini (which
// wins) or from top-level keys (where a router target's params land), in
// camelCase or snake_case. reasoning_effort becomes a thinkingConfig when
// none is given.
func applyProviderParams(r *chat.Request, out *generateRequest) error {
	gem := r.ExtraFor("gemini")
	g := out.GenerationConfig
	if raw, name := providerParam(r, gem, "safetySettings", "safety_settings"); raw != nil {
		if raw[0] != '[' {
			return invalid(name, "must be an array of {category, threshold}")
		}
		out.SafetySettings = raw
	}
	if raw, name := providerParam(r, gem, "cachedContent", "cached_content"); raw != nil {
		if err := json.Unmarshal(raw, &out.CachedContent); err != nil {
			return invalid(name, "must be a string (cachedContents/<id>)")
		}
	}
	if raw, name := providerParam(r, gem, "topK", "top_k"); raw != nil {
		var k int
		if err := json.Unmarshal(raw, &k); err != nil {
			return invalid(name, "must be an integer")
		}
		g.TopK = raw
	}
	if raw, name := providerParam(r, gem, "thinkingConfig", "thinking_config"); raw != nil {
		if raw[0] != '{' {
			return invalid(name, "must be an object such as {\"thinkingBudget\": 1024}")
		}
		g.ThinkingConfig = raw
	} else if raw := r.Extra["reasoning_effort"]; len(raw) > 0 && string(raw) != "null" {
		var effort string
		_ = json.Unmarshal(raw, &effort)
		budget, ok := reasoningBudgets[effort]
		if !ok {
			return invalid("reasoning_effort", "must be none, minimal, low, medium or high")
		}
		g.ThinkingConfig, _ = json.Marshal(map[string]int{"thinkingBudget": budget})
	}
	if b, _ := json.Marshal(g); string(b) == "{}" {
		out.GenerationConfig = nil // nothing set: leave Gemini's defaults alone
	}
	return nil
}

// providerParam finds a Gemini-specific parameter and returns its JSON and
// the name it was found under (for error messages); nil when absent or null.
func providerParam(r *chat.Request, gem map[string]any, camel, snake string) (json.RawMessage, string) {
	for _, k := range []string{camel, snake} {
		if v, ok := gem[k]; ok && v != nil {
			b, err := json.Marshal(v)
			if err == nil {
				return b, "extra.gemini." + k
			}
		}
	}
	for _, k := range []string{camel, snake} {
		if raw := r.Extra[k]; len(raw) > 0 && string(raw) != "null" {
			return raw, k
		}
	}
	return nil, ""
}
