package messages

import (
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// FuzzDecode: no body makes decoding or translation panic, and a body
// Decode accepts has its numbers in range and translates to a chat request
// within chat's limits.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","max_tokens":10,"system":[{"type":"text","text":"s"}],"tools":[{"name":"f","input_schema":{}}],"tool_choice":{"type":"tool","name":"f"},"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"u"}}]},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_result","tool_use_id":"t"}]}]}]}`,
		`{"model":"m","max_tokens":9223372036854775807,"messages":[]}`,
		`{"model":"m","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":-1},"messages":[{"role":"user","content":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, count := range []bool{false, true} {
			r, fe := decode(body, count)
			if fe != nil {
				continue
			}
			if !count && (*r.MaxTokens < 1 || *r.MaxTokens > chat.MaxOutputTokens) {
				t.Fatalf("max_tokens %d accepted", *r.MaxTokens)
			}
			c, _ := ToChat(r)
			if c == nil {
				t.Fatal("no chat view")
			}
			if fe := c.CheckLimits(); fe != nil {
				t.Fatalf("chat view out of limits: %v", fe)
			}
			if _, err := NativeBody(r.Raw, map[string]any{"temperature": 0.5}); err != nil {
				t.Fatalf("native body: %v", err)
			}
		}
	})
}
