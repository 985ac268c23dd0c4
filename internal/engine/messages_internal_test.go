package engine

import (
	"testing"

	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestMessagesCodec: a native stream commits on its first content (not on
// message_start, ping or an empty text block's start), and its usage is
// read from message_start (input, cache) and message_delta (cumulative
// output; a zero input there is not a reset).
func TestMessagesCodec(t *testing.T) {
	evs := []struct {
		typ, data string
		content   bool
	}{
		{"message_start", `{"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":512,"cache_creation_input_tokens":100,"cache_read_input_tokens":1024,"output_tokens":1}}}`, false},
		{"ping", `{"type":"ping"}`, false},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}`, false},
		{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`, false},
		{"content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}`, true},
		{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`, true},
		{"content_block_stop", `{"type":"content_block_stop","index":0}`, false},
		{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":0,"output_tokens":42}}`, true},
	}
	var f StreamFacts
	for _, ev := range evs {
		e := provider.Event{Type: ev.typ, Data: []byte(ev.data)}
		if got := (messagesCodec{}).Content(e); got != ev.content {
			t.Errorf("Content(%s) = %v", ev.data, got)
		}
		messagesCodec{}.Facts(e, &f)
	}
	u := f.Usage
	if f.Model != "claude-sonnet-4-5-20250929" || len(f.Finish) != 1 || f.Finish[0] != "tool_use" {
		t.Errorf("facts %+v", f)
	}
	if u == nil || u.PromptTokens != 512+100+1024 || u.CompletionTokens != 42 || u.PromptTokensDetails.CachedTokens != 1024 || u.PromptTokensDetails.CacheWriteTokens != 100 {
		t.Errorf("usage %+v", u)
	}
}
