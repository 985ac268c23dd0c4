package oairules

import (
	"encoding/json"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// narrow is an API like Anthropic's or Converse: temperature 0 to 1, one
// choice, no log probabilities.
var narrow = API{Name: "Narrow", MinTemperature: 0, MaxTemperature: 1, WebSearchAdvice: "send the search tool instead"}

// wide is an API like Gemini's: OpenAI's temperature range, n > 1 and
// logprobs served.
var wide = API{Name: "Wide", MinTemperature: 0, MaxTemperature: 2, MultipleChoices: true, Logprobs: true}

const user = `{"role":"user","content":"hi"}`

// TestCheck covers every rule: what it refuses (param and message), and the
// neighbouring values it must let through.
func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		api       API
		body      string // the request without messages (a user "hi" is added) unless it sets them
		wantParam string // "" means no violation
		wantMsg   string
	}{
		// Legacy function calling.
		{"functions", narrow, `"functions":[{"name":"f"}]`,
			"functions", "the deprecated functions field is not supported; send tools instead"},
		{"function_call", wide, `"function_call":"auto"`,
			"function_call", "the deprecated function_call field is not supported; send tool_choice (with tools) instead"},
		{"function_call in history", narrow, `"messages":[` + user + `,{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}},` + user + `]`,
			"messages[1].function_call", "the deprecated function_call field of a message is not supported; send assistant tool_calls instead"},
		{"null legacy fields", narrow, `"functions":null,"function_call":null,"messages":[` + user + `,{"role":"assistant","content":"x","function_call":null}]`, "", ""},

		// tool_choice without tools.
		{"named tool_choice without tools", wide, `"tool_choice":{"type":"function","function":{"name":"f"}}`,
			"tool_choice.function.name", `"f" is not one of the request's tools (it has none)`},
		{"required without tools", narrow, `"tool_choice":"required"`,
			"tool_choice", `"required" needs tools, and the request has none`},
		{"auto without tools", narrow, `"tool_choice":"auto"`, "", ""},
		{"none without tools", narrow, `"tool_choice":"none"`, "", ""},
		{"required with tools", narrow, `"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"`, "", ""},

		// n.
		{"n above 1", narrow, `"n":3`, "n", "only n=1 is supported (Narrow returns one choice)"},
		{"n of 1", narrow, `"n":1`, "", ""},
		{"n above 1 served", wide, `"n":3`, "", ""},

		// temperature.
		{"temperature above the range", narrow, `"temperature":1.5`,
			"temperature", "1.5 is outside Narrow's range 0 to 1 (it is not rescaled or clamped)"},
		{"temperature below the range", wide, `"temperature":-0.5`,
			"temperature", "-0.5 is outside Wide's range 0 to 2 (it is not rescaled or clamped)"},
		{"temperature at the top", narrow, `"temperature":1`, "", ""},
		{"temperature at the bottom", narrow, `"temperature":0`, "", ""},
		{"temperature within a wide range", wide, `"temperature":2`, "", ""},

		// Output limit.
		{"zero max_tokens", wide, `"max_tokens":0`, "max_tokens", "must be at least 1"},
		{"negative max_completion_tokens", narrow, `"max_completion_tokens":-1`, "max_completion_tokens", "must be at least 1"},
		{"zero max_tokens beside a valid max_completion_tokens", narrow, `"max_completion_tokens":10,"max_tokens":0`, "max_tokens", "must be at least 1"},
		{"output limit of 1", narrow, `"max_completion_tokens":1,"max_tokens":1`, "", ""},

		// logprobs.
		{"logprobs", narrow, `"logprobs":true`, "logprobs", "not supported by Narrow (it returns no log probabilities)"},
		{"logprobs not a boolean", narrow, `"logprobs":"yes"`, "logprobs", "must be a boolean"},
		{"top_logprobs", narrow, `"top_logprobs":3`, "top_logprobs", "not supported by Narrow (it returns no log probabilities)"},
		{"negative top_logprobs", narrow, `"top_logprobs":-1`, "top_logprobs", "must be a non-negative integer"},
		{"top_logprobs not an integer", narrow, `"top_logprobs":"3"`, "top_logprobs", "must be a non-negative integer"},
		{"logprobs asking for nothing", narrow, `"logprobs":false,"top_logprobs":0`, "", ""},
		{"null logprobs", narrow, `"logprobs":null,"top_logprobs":null`, "", ""},
		{"logprobs served", wide, `"logprobs":true,"top_logprobs":3`, "", ""},
		{"logprobs served are the provider's to validate", wide, `"logprobs":"yes","top_logprobs":-1`, "", ""},

		// web_search_options.
		{"web_search_options", narrow, `"web_search_options":{}`, "web_search_options", "not supported; send the search tool instead"},
		{"web_search_options without advice", wide, `"web_search_options":{"search_context_size":"low"}`, "web_search_options", "not supported"},
		{"null web_search_options", narrow, `"web_search_options":null`, "", ""},

		// Audio output.
		{"audio modality", wide, `"modalities":["text","audio"]`, "modalities", `only text output is supported, not "audio"`},
		{"modalities not an array", narrow, `"modalities":"audio"`, "modalities", "must be an array of strings"},
		{"audio", wide, `"audio":{"voice":"alloy","format":"wav"}`, "audio", "audio output is not supported (the reply is text only)"},
		{"text modality", narrow, `"modalities":["text"],"audio":null`, "", ""},

		// Order: the first rule that fails wins.
		{"legacy functions before everything else", narrow, `"n":2,"temperature":9,"functions":[{"name":"f"}],"audio":{}`, "functions", "the deprecated functions field is not supported; send tools instead"},
		{"n before temperature", narrow, `"temperature":9,"n":2`, "n", "only n=1 is supported (Narrow returns one choice)"},
		{"logprobs before web search and audio", narrow, `"audio":{},"web_search_options":{},"logprobs":true`, "logprobs", "not supported by Narrow (it returns no log probabilities)"},

		{"nothing to refuse", narrow, `"temperature":0.7,"max_tokens":100,"seed":1,"presence_penalty":1`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req chat.Request
			if err := json.Unmarshal([]byte("{"+tt.body+"}"), &req); err != nil {
				t.Fatal(err)
			}
			if req.Messages == nil {
				req.Messages = []chat.Message{{Role: "user", Content: chat.TextContent("hi")}}
			}
			got := Check(&req, tt.api)
			if tt.wantParam == "" {
				if got != nil {
					t.Fatalf("Check = %+v, want no violation", *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("Check = nil, want %s: %s", tt.wantParam, tt.wantMsg)
			}
			if got.Param != tt.wantParam || got.Message != tt.wantMsg {
				t.Errorf("Check = %s: %s\nwant      %s: %s", got.Param, got.Message, tt.wantParam, tt.wantMsg)
			}
		})
	}
}
