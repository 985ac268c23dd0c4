package messages

import (
	"strings"
	"testing"
)

// TestDecodeRefuses: what the Messages API refuses is a 400 naming the
// field, before any upstream is called; numbers that would overflow the
// gateway's arithmetic are refused too.
func TestDecodeRefuses(t *testing.T) {
	tests := []struct {
		name, body, param string
		count             bool
	}{
		{"not an object", `[1]`, "body", false},
		{"no model", `{"max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`, "model", false},
		{"no max_tokens", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, "max_tokens", false},
		{"max_tokens zero", `{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens", false},
		{"max_tokens huge", `{"model":"m","max_tokens":4611686018427387904,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens", false},
		{"max_tokens overflows int", `{"model":"m","max_tokens":99999999999999999999999,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens", false},
		{"no messages", `{"model":"m","max_tokens":1}`, "messages", false},
		{"empty messages", `{"model":"m","max_tokens":1,"messages":[]}`, "messages", false},
		{"system role", `{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"hi"}]}`, "messages.0.role", false},
		{"no role", `{"model":"m","max_tokens":1,"messages":[{"content":"hi"}]}`, "messages.0.role", false},
		{"null content", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":null}]}`, "messages", false},
		{"block without type", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"text":"x"}]}]}`, "messages.0.content.0.type", false},
		{"tool_use input not an object", `{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":"x"}]}]}`, "messages.0.content.0.input", false},
		{"temperature above 1", `{"model":"m","max_tokens":1,"temperature":1.5,"messages":[{"role":"user","content":"hi"}]}`, "temperature", false},
		{"thinking budget huge", `{"model":"m","max_tokens":1,"thinking":{"type":"enabled","budget_tokens":99999999999},"messages":[{"role":"user","content":"hi"}]}`, "thinking.budget_tokens", false},
		{"thinking bad type", `{"model":"m","max_tokens":1,"thinking":{"type":"on"},"messages":[{"role":"user","content":"hi"}]}`, "thinking.type", false},
		{"tool without schema", `{"model":"m","max_tokens":1,"tools":[{"name":"f"}],"messages":[{"role":"user","content":"hi"}]}`, "tools.0.input_schema", false},
		{"tool_choice tool without name", `{"model":"m","max_tokens":1,"tool_choice":{"type":"tool"},"messages":[{"role":"user","content":"hi"}]}`, "tool_choice.name", false},
		{"system image", `{"model":"m","max_tokens":1,"system":[{"type":"image"}],"messages":[{"role":"user","content":"hi"}]}`, "system.0.type", false},
		{"router not an object", `{"model":"m","max_tokens":1,"router":"x","messages":[{"role":"user","content":"hi"}]}`, "router", false},
		{"no content", `{"model":"m","max_tokens":1,"messages":[{"role":"user"}]}`, "messages.0.content", false},
		{"empty content", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[]}]}`, "messages.0.content", false},
		{"count: max_tokens zero", `{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`, "max_tokens", true},
		{"count: no model", `{"messages":[{"role":"user","content":"hi"}]}`, "model", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec := Decode
			if tc.count {
				dec = DecodeCount
			}
			_, fe := dec([]byte(tc.body))
			if fe == nil {
				t.Fatalf("accepted %s", tc.body)
			}
			if !strings.HasPrefix(fe.Param, tc.param) {
				t.Errorf("param %q, want %q (%v)", fe.Param, tc.param, fe)
			}
		})
	}
}

// TestDecodeKeepsUnknown: fields the gateway does not model are accepted
// and kept in Raw for a native target; count_tokens needs no max_tokens.
func TestDecodeKeepsUnknown(t *testing.T) {
	body := `{"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"context_management":{"edits":[]},` +
		`"system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],` +
		`"thinking":{"type":"adaptive"},"output_config":{"effort":"medium"},` +
		`"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral","ttl":"1h"}},{"type":"future_block","x":1}]}]}`
	r, fe := Decode([]byte(body))
	if fe != nil {
		t.Fatal(fe)
	}
	if string(r.Raw) != body || !r.Stream || *r.MaxTokens != 32000 || r.System.Blocks[0].Text != "You are Claude Code." {
		t.Errorf("decoded %+v", r)
	}
	if _, fe := DecodeCount([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)); fe != nil {
		t.Errorf("count_tokens body refused: %v", fe)
	}
}
