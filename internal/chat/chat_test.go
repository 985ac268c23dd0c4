package chat

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRequestRoundTripKeepsUnknownFields(t *testing.T) {
	in := `{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"What is in this image?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},{"type":"input_audio","input_audio":{"data":"AAA=","format":"wav"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"42"}],"stop":"END","tool_choice":{"type":"function","function":{"name":"f"}},"reasoning_effort":"low","logprobs":true,"metadata":{"tier":"premium"}}`
	var r Request
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if r.Stop[0] != "END" || r.ToolChoice.Function != "f" || string(r.Extra["reasoning_effort"]) != `"low"` {
		t.Fatalf("decoded %+v", r)
	}
	if !r.Messages[0].Content.HasImages() || r.Messages[0].Content.String() != "What is in this image?" {
		t.Errorf("content parts %+v", r.Messages[0].Content)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"reasoning_effort":"low"`, `"logprobs":true`, `"input_audio":{"data":"AAA=","format":"wav"}`,
		`"content":null`, `"tool_choice":{"function":{"name":"f"},"type":"function"}`, `"detail":"low"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("re-encoded request lacks %s: %s", want, out)
		}
	}
}

func TestRequestFieldErrors(t *testing.T) {
	for _, in := range []string{
		`{"model":"m","messages":[],"temperature":"hot"}`,
		`{"model":"m","messages":[{"role":"user","content":5}]}`,
		`{"model":"m","messages":[],"stop":5}`,
		`{"model":"m","messages":[],"tool_choice":{"type":"function"}}`,
	} {
		var r Request
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
}

func TestWithParams(t *testing.T) {
	var r Request
	_ = json.Unmarshal([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1,"top_k":3}`), &r)
	p, err := r.WithParams(map[string]any{"temperature": 0.2, "max_tokens": 50, "thinking": map[string]any{"type": "enabled"}})
	if err != nil {
		t.Fatal(err)
	}
	if *p.Temperature != 0.2 || *p.MaxTokens != 50 || string(p.Extra["top_k"]) != "3" || p.Extra["thinking"] == nil {
		t.Errorf("merged %+v", p)
	}
	if *r.Temperature != 1 || r.MaxTokens != nil {
		t.Error("WithParams changed the caller's request")
	}
	if _, err := r.WithParams(map[string]any{"temperature": "hot"}); err == nil {
		t.Error("a param of the wrong type was accepted")
	}
}

func TestChunkHasContent(t *testing.T) {
	empty := ""
	hello := "hi"
	stop := "stop"
	tests := []struct {
		c    Chunk
		want bool
	}{
		{Chunk{Choices: []ChunkChoice{{Delta: Delta{Role: "assistant", Content: &empty}}}}, false},
		{Chunk{Choices: []ChunkChoice{{Delta: Delta{Content: &hello}}}}, true},
		{Chunk{Choices: []ChunkChoice{{Delta: Delta{ToolCalls: []ToolCallDelta{{ID: "c"}}}}}}, true},
		{Chunk{Choices: []ChunkChoice{{FinishReason: &stop}}}, true},
		{Chunk{Usage: &Usage{TotalTokens: 3}}, false},
	}
	for i, tt := range tests {
		if got := tt.c.HasContent(); got != tt.want {
			t.Errorf("%d: HasContent = %v", i, got)
		}
	}
}

func TestMessagesRelayedAsReceived(t *testing.T) {
	in := `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}`
	var r Request
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	cp := r // a shallow copy, as providers make
	cp.Model = "other"
	out, _ := json.Marshal(cp)
	if !strings.Contains(string(out), `"cache_control":{"type":"ephemeral"}`) || !strings.Contains(string(out), `"model":"other"`) {
		t.Errorf("messages not relayed as received: %s", out)
	}
	// Replaced messages are encoded from the typed values.
	cp.Messages = []Message{{Role: "user", Content: TextContent("new")}}
	out, _ = json.Marshal(cp)
	if !strings.Contains(string(out), `"content":"new"`) || strings.Contains(string(out), "cache_control") {
		t.Errorf("replaced messages: %s", out)
	}
	var back Request
	if err := json.Unmarshal(out, &back); err != nil || back.Messages[0].Content.Text != "new" {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

func TestMessageFunctionCallKept(t *testing.T) {
	in := `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{\"a\":1}"}},{"role":"user","content":"again","function_call":null}]}`
	var r Request
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if got := string(r.Messages[1].FunctionCall); got != `{"name":"f","arguments":"{\"a\":1}"}` {
		t.Errorf("decoded function_call = %s", got)
	}
	if r.Messages[0].FunctionCall != nil {
		t.Errorf("a message without function_call decoded one: %s", r.Messages[0].FunctionCall)
	}
	// Messages as received are relayed byte for byte.
	out, _ := json.Marshal(r)
	if !strings.Contains(string(out), `"function_call":{"name":"f","arguments":"{\"a\":1}"}`) {
		t.Errorf("relayed request lost function_call: %s", out)
	}
	// Messages re-encoded from the typed values keep it too, and a message
	// without one gains no function_call key.
	cp := r
	cp.Messages = append([]Message(nil), r.Messages[:2]...)
	out, _ = json.Marshal(cp)
	if !strings.Contains(string(out), `"function_call":{"name":"f","arguments":"{\"a\":1}"}`) {
		t.Errorf("re-encoded request lost function_call: %s", out)
	}
	if strings.Count(string(out), "function_call") != 1 {
		t.Errorf("re-encoded request: %s", out)
	}
}
