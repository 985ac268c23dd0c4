package messages

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// TestToChat: a Claude Code shaped conversation (system blocks, tools,
// tool_use and tool_result, images, thinking, cache_control) becomes the
// chat request a chat target needs; what chat cannot say is dropped or
// refused as documented.
func TestToChat(t *testing.T) {
	body := `{"model":"claude-sonnet-4-5","max_tokens":1024,"temperature":0.5,"top_k":5,"stop_sequences":["END"],
	"metadata":{"user_id":"u1"},"thinking":{"type":"enabled","budget_tokens":2048},
	"system":[{"type":"text","text":"A"},{"type":"text","text":"B","cache_control":{"type":"ephemeral"}}],
	"tools":[{"name":"get_weather","description":"w","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
	"tool_choice":{"type":"any","disable_parallel_tool_use":true},
	"messages":[
	 {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
	 {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
	 {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"15C"}]},{"type":"text","text":"Thanks"}]}
	]}`
	r, fe := Decode([]byte(body))
	if fe != nil {
		t.Fatal(fe)
	}
	c, err := ToChat(r)
	if err != nil {
		t.Fatalf("ToChat: %v", err)
	}
	got, _ := json.Marshal(c)
	for _, want := range []string{
		`"messages":[{"role":"system","content":"A\n\nB"}`,
		`{"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}`,
		`{"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`,
		`{"role":"tool","content":"15C","tool_call_id":"toolu_1"}`,
		`{"role":"user","content":[{"type":"text","text":"Thanks"}]}`,
		`"max_tokens":1024`, `"temperature":0.5`, `"stop":["END"]`, `"tool_choice":"required"`, `"parallel_tool_calls":false`, `"user":"u1"`,
		`"tools":[{"type":"function","function":{"name":"get_weather","description":"w","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("chat request lacks %s\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "hmm") || strings.Contains(string(got), "top_k") {
		t.Errorf("thinking or top_k leaked into chat: %s", got)
	}
}

// TestToChatUnsupported: a server tool or a document by URL cannot be
// said in chat; the chat view is still built for routing.
func TestToChatUnsupported(t *testing.T) {
	for _, body := range []string{
		`{"model":"m","max_tokens":1,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}]}]}`,
	} {
		r, fe := Decode([]byte(body))
		if fe != nil {
			t.Fatal(fe)
		}
		c, err := ToChat(r)
		if _, ok := err.(*UnsupportedError); !ok || c == nil || len(c.Messages) == 0 {
			t.Errorf("%s: err %v, chat %+v", body, err, c)
		}
	}
}

// TestFromChat: stop reasons, tool calls and usage (cache split out of
// input) in Anthropic's terms.
func TestFromChat(t *testing.T) {
	resp := &chat.Response{ID: "chatcmpl-1", Model: "gpt-4o", Choices: []chat.Choice{{
		Message: chat.Message{Role: "assistant", Content: chat.TextContent("Hi"), ToolCalls: []chat.ToolCall{
			{ID: "call_1", Type: "function", Function: chat.FunctionCall{Name: "f", Arguments: `{"a":1}`}},
			{ID: "call_2", Type: "function", Function: chat.FunctionCall{Name: "g", Arguments: `not json`}}}},
		FinishReason: "tool_calls"}},
		Usage: &chat.Usage{PromptTokens: 100, CompletionTokens: 7, PromptTokensDetails: &chat.PromptTokensDetails{CachedTokens: 60, CacheWriteTokens: 10}}}
	got, _ := json.Marshal(FromChat(resp))
	want := `{"id":"msg_chatcmpl-1","type":"message","role":"assistant","model":"gpt-4o","content":[{"type":"text","text":"Hi"},` +
		`{"type":"tool_use","id":"call_1","name":"f","input":{"a":1}},{"type":"tool_use","id":"call_2","name":"g","input":{"arguments":"not json"}}],` +
		`"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":7,"cache_creation_input_tokens":10,"cache_read_input_tokens":60}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for finish, want := range map[string]string{"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal", "": "end_turn"} {
		if got := StopReason(finish); got != want {
			t.Errorf("StopReason(%q) = %q, want %q", finish, got, want)
		}
	}
}

// TestEncoder: chat chunks (text, then two tool calls in fragments, then
// the finish and usage chunks) become Anthropic's exact event sequence.
func TestEncoder(t *testing.T) {
	s := func(v string) *string { return &v }
	chunks := []chat.Chunk{
		{ID: "c1", Model: "gpt-4o", Choices: []chat.ChunkChoice{{Delta: chat.Delta{Role: "assistant", Content: s("")}}}},
		{Choices: []chat.ChunkChoice{{Delta: chat.Delta{Content: s("Hel")}}}},
		{Choices: []chat.ChunkChoice{{Delta: chat.Delta{Content: s("lo")}}}},
		{Choices: []chat.ChunkChoice{{Delta: chat.Delta{ToolCalls: []chat.ToolCallDelta{{Index: 0, ID: "call_1", Function: chat.FunctionCallDelta{Name: "f"}}}}}}},
		{Choices: []chat.ChunkChoice{{Delta: chat.Delta{ToolCalls: []chat.ToolCallDelta{{Index: 0, Function: chat.FunctionCallDelta{Arguments: `{"a":`}}}}}}},
		{Choices: []chat.ChunkChoice{{Delta: chat.Delta{ToolCalls: []chat.ToolCallDelta{{Index: 0, Function: chat.FunctionCallDelta{Arguments: `1}`}}}}}}},
		{Choices: []chat.ChunkChoice{{Delta: chat.Delta{ToolCalls: []chat.ToolCallDelta{{Index: 1, ID: "call_2", Function: chat.FunctionCallDelta{Name: "g", Arguments: "{}"}}}}}}},
		{Choices: []chat.ChunkChoice{{FinishReason: s("tool_calls")}}},
		{Choices: []chat.ChunkChoice{}, Usage: &chat.Usage{PromptTokens: 9, CompletionTokens: 6}},
	}
	enc := NewEncoder("m")
	var evs []Event
	for i := range chunks {
		evs = enc.Chunk(evs, &chunks[i])
	}
	evs = enc.End(evs)
	var got []string
	for _, e := range evs {
		got = append(got, e.Type+" "+string(e.Data))
	}
	want := []string{
		`message_start {"message":{"content":[],"id":"msg_c1","model":"gpt-4o","role":"assistant","stop_reason":null,"stop_sequence":null,"type":"message","usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}},"type":"message_start"}`,
		`content_block_start {"content_block":{"text":"","type":"text"},"index":0,"type":"content_block_start"}`,
		`ping {"type":"ping"}`,
		`content_block_delta {"delta":{"text":"Hel","type":"text_delta"},"index":0,"type":"content_block_delta"}`,
		`content_block_delta {"delta":{"text":"lo","type":"text_delta"},"index":0,"type":"content_block_delta"}`,
		`content_block_stop {"index":0,"type":"content_block_stop"}`,
		`content_block_start {"content_block":{"id":"call_1","input":{},"name":"f","type":"tool_use"},"index":1,"type":"content_block_start"}`,
		`content_block_delta {"delta":{"partial_json":"{\"a\":","type":"input_json_delta"},"index":1,"type":"content_block_delta"}`,
		`content_block_delta {"delta":{"partial_json":"1}","type":"input_json_delta"},"index":1,"type":"content_block_delta"}`,
		`content_block_stop {"index":1,"type":"content_block_stop"}`,
		`content_block_start {"content_block":{"id":"call_2","input":{},"name":"g","type":"tool_use"},"index":2,"type":"content_block_start"}`,
		`content_block_delta {"delta":{"partial_json":"{}","type":"input_json_delta"},"index":2,"type":"content_block_delta"}`,
		`content_block_stop {"index":2,"type":"content_block_stop"}`,
		`message_delta {"delta":{"stop_reason":"tool_use","stop_sequence":null},"type":"message_delta","usage":{"input_tokens":9,"output_tokens":6,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}`,
		`message_stop {"type":"message_stop"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNativeBody: with nothing to change the caller's bytes go as they
// are; the inline router is removed, params merged by their Messages
// names, and a merged max_tokens out of range refused.
func TestNativeBody(t *testing.T) {
	raw := []byte(`{"model":"x","max_tokens":10,"messages":[{"role":"user","content":"<b>"}]}`)
	if got, _ := NativeBody(raw, map[string]any{"presence_penalty": 1}); string(got) != string(raw) {
		t.Errorf("unchanged body rewritten: %s", got)
	}
	got, err := NativeBody([]byte(`{"model":"x","max_tokens":10,"router":{"targets":[]},"messages":[{"role":"user","content":"<b>"}]}`),
		map[string]any{"max_completion_tokens": 20, "stop": "END", "temperature": 0.1})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"max_tokens":20,"messages":[{"role":"user","content":"<b>"}],"model":"x","stop_sequences":["END"],"temperature":0.1}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := NativeBody(raw, map[string]any{"max_tokens": 1 << 40}); err == nil {
		t.Error("max_tokens 2^40 from params accepted")
	}
	m, _ := ReplaceModel(raw, "claude-sonnet-4-5-20250929")
	if !strings.Contains(string(m), `"model":"claude-sonnet-4-5-20250929"`) || !strings.Contains(string(m), `"<b>"`) {
		t.Errorf("ReplaceModel: %s", m)
	}
}

// TestFromChatRaw: an answer an OpenAI-compatible provider relays as bytes
// (only usage decoded) is read from Raw.
func TestFromChatRaw(t *testing.T) {
	raw := `{"id":"chatcmpl-2","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Yes"},"finish_reason":"length"}]}`
	got := FromChat(&chat.Response{Raw: json.RawMessage(raw), Model: "m", Usage: &chat.Usage{PromptTokens: 3, CompletionTokens: 1}})
	if len(got.Content) != 1 || got.Content[0].Text != "Yes" || *got.StopReason != "max_tokens" || got.Usage.InputTokens != 3 {
		t.Errorf("%+v", got)
	}
}

// TestToolUseIDs: a tool call an upstream gave no id gets a fresh tool_use
// id (the caller must send one back with the result, and an empty one is
// refused); other ids are kept as sent, streamed and not.
func TestToolUseIDs(t *testing.T) {
	if id := ToolUseID(""); !strings.HasPrefix(id, "toolu_") || len(id) < 10 || id == ToolUseID("") {
		t.Errorf("ToolUseID(\"\") = %q, want a fresh toolu_ id each time", id)
	}
	if id := ToolUseID("call_0__thought__ab+/="); id != "call_0__thought__ab+/=" {
		t.Errorf("an upstream id was changed: %q", id)
	}
	resp := FromChat(&chat.Response{Choices: []chat.Choice{{FinishReason: "tool_calls", Message: chat.Message{Role: "assistant",
		ToolCalls: []chat.ToolCall{{Type: "function", Function: chat.FunctionCall{Name: "f", Arguments: "{}"}}}}}}})
	if len(resp.Content) != 1 || !strings.HasPrefix(resp.Content[0].ID, "toolu_") {
		t.Errorf("tool_use block %+v, want a toolu_ id", resp.Content)
	}
	enc := NewEncoder("m")
	evs := enc.Chunk(nil, &chat.Chunk{Choices: []chat.ChunkChoice{{Delta: chat.Delta{ToolCalls: []chat.ToolCallDelta{{Index: 0, Function: chat.FunctionCallDelta{Name: "f"}}}}}}})
	found := false
	for _, ev := range evs {
		if ev.Type == "content_block_start" && strings.Contains(string(ev.Data), `"id":"toolu_`) {
			found = true
		}
	}
	if !found {
		t.Errorf("streamed tool_use without an id: %v", evs)
	}
}
