package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestResponsesWithParams: a target's params reach a native Responses
// body as top-level fields, chat's output limits under the Responses
// name, and the merged limit is checked as a caller's would be.
func TestResponsesWithParams(t *testing.T) {
	body := []byte(`{"model":"router/x","input":"<b>hi</b>","temperature":1,"max_output_tokens":10}`)
	tests := []struct {
		name    string
		params  map[string]any
		want    map[string]any
		wantErr string
	}{
		{"none: the body as received", nil, map[string]any{"temperature": 1.0, "max_output_tokens": 10.0}, ""},
		{"params win", map[string]any{"temperature": 0.2, "max_tokens": 50}, map[string]any{"temperature": 0.2, "max_output_tokens": 50.0}, ""},
		{"max_completion_tokens renamed", map[string]any{"max_completion_tokens": 7}, map[string]any{"max_output_tokens": 7.0}, ""},
		{"over the cap", map[string]any{"max_tokens": 20_000_000}, nil, "max_output_tokens must be"},
		{"zero", map[string]any{"max_output_tokens": 0}, nil, "max_output_tokens must be"},
		// A router's chat params that the Responses API has no field for
		// would make OpenAI refuse every native request: left out.
		{"chat-only params left out", map[string]any{"seed": 7, "presence_penalty": 0.5, "stop": "x", "response_format": map[string]any{"type": "json_object"}},
			map[string]any{"seed": nil, "presence_penalty": nil, "stop": nil, "response_format": nil, "temperature": 1.0}, ""},
		{"reasoning_effort as reasoning.effort", map[string]any{"reasoning_effort": "low"},
			map[string]any{"reasoning_effort": nil}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := responsesWithParams(body, tc.params)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v (%s)", k, m[k], v, out)
				}
			}
			if m["max_tokens"] != nil || m["max_completion_tokens"] != nil || !strings.Contains(string(out), "<b>hi</b>") {
				t.Errorf("body = %s", out)
			}
			if _, ok := tc.params["reasoning_effort"]; ok && !strings.Contains(string(out), `"reasoning":{"effort":"low"}`) {
				t.Errorf("reasoning_effort not sent as reasoning.effort: %s", out)
			}
		})
	}
}
