package anthropic

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// TestRejectionsSayWhatToSendInstead: a caller refused for a legacy or
// OpenAI-only field learns the Anthropic way to ask for the same thing.
func TestRejectionsSayWhatToSendInstead(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"function_call in history",
			`{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}}]}`,
			"send assistant tool_calls instead"},
		{"web_search_options",
			`{"web_search_options":{},"messages":[{"role":"user","content":"hi"}]}`,
			`extra.anthropic.tools, e.g. [{"type":"web_search_20250305","name":"web_search"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req chat.Request
			if err := json.Unmarshal([]byte(tt.body), &req); err != nil {
				t.Fatal(err)
			}
			_, err := buildBody("claude-sonnet-4-5", &req, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %s", err, tt.want)
			}
		})
	}
}

// TestWebSearchToolThroughExtra: the way the web_search_options rejection
// points to works — Anthropic's server tool reaches the body as sent.
func TestWebSearchToolThroughExtra(t *testing.T) {
	const tools = `[{"max_uses":3,"name":"web_search","type":"web_search_20250305"}]`
	var req chat.Request
	body := `{"messages":[{"role":"user","content":"Latest Go release?"}],"extra":{"anthropic":{"tools":` + tools + `}}}`
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	out, err := buildBody("claude-sonnet-4-5", &req, false)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tools json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if string(got.Tools) != tools {
		t.Errorf("tools = %s, want %s", got.Tools, tools)
	}
}
