package responses

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

type recorded struct {
	typ  string
	data map[string]any
}

func encode(t *testing.T, chunks []chat.Chunk, end func(*Encoder) error) []recorded {
	t.Helper()
	req, err := Decode([]byte(`{"model":"router/x","input":"hi","instructions":"Be brief.","metadata":{"k":"v"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var out []recorded
	enc := NewEncoder(req, func(typ string, data []byte) error {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if m["type"] != typ {
			t.Errorf("event %s has data type %v", typ, m["type"])
		}
		out = append(out, recorded{typ, m})
		return nil
	})
	if err := enc.Begin("resp_1", "router/x", 1); err != nil {
		t.Fatal(err)
	}
	for i := range chunks {
		if err := enc.Chunk(&chunks[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := end(enc); err != nil {
		t.Fatal(err)
	}
	for i, ev := range out {
		if ev.data["sequence_number"] != float64(i) {
			t.Errorf("event %d (%s) has sequence_number %v", i, ev.typ, ev.data["sequence_number"])
		}
	}
	return out
}

func typesOf(evs []recorded) string {
	var s []string
	for _, e := range evs {
		s = append(s, strings.TrimPrefix(e.typ, "response."))
	}
	return strings.Join(s, " ")
}

func text(s string) chat.Chunk {
	return chat.Chunk{Choices: []chat.ChunkChoice{{Delta: chat.Delta{Content: &s}}}}
}

func call(index int, id, name, args string) chat.Chunk {
	return chat.Chunk{Choices: []chat.ChunkChoice{{Delta: chat.Delta{ToolCalls: []chat.ToolCallDelta{{Index: index, ID: id, Function: chat.FunctionCallDelta{Name: name, Arguments: args}}}}}}}
}

func finish(reason string, u *chat.Usage) chat.Chunk {
	return chat.Chunk{Choices: []chat.ChunkChoice{{FinishReason: &reason}}, Usage: u}
}

// TestEncoder: chat chunks become the Responses API's events in OpenAI's
// order, items one after another, the final response whole.
func TestEncoder(t *testing.T) {
	usage := &chat.Usage{PromptTokens: 5, CompletionTokens: 7, TotalTokens: 12, CompletionTokensDetails: &chat.CompletionTokensDetails{ReasoningTokens: 2}}
	refusal := "No."
	tests := []struct {
		name   string
		chunks []chat.Chunk
		types  string
		status string
		output string // the final response's output, as JSON-ish summary
	}{
		{"text", []chat.Chunk{{Choices: []chat.ChunkChoice{{Delta: chat.Delta{Role: "assistant"}}}}, text("Hel"), text("lo"), finish("stop", nil), {Usage: usage}},
			"created in_progress output_item.added content_part.added output_text.delta output_text.delta output_text.done content_part.done output_item.done completed",
			"completed", "message:Hello"},
		{"text then two parallel calls", []chat.Chunk{text("Checking."), call(0, "c1", "w", `{"a"`), call(0, "", "", `:1}`), call(1, "c2", "t", `{}`), finish("tool_calls", usage)},
			"created in_progress output_item.added content_part.added output_text.delta output_text.done content_part.done output_item.done " +
				"output_item.added function_call_arguments.delta function_call_arguments.delta function_call_arguments.done output_item.done " +
				"output_item.added function_call_arguments.delta function_call_arguments.done output_item.done completed",
			"completed", `message:Checking. function_call:c1:w:{"a":1} function_call:c2:t:{}`},
		{"refusal", []chat.Chunk{{Choices: []chat.ChunkChoice{{Delta: chat.Delta{Refusal: &refusal}}}}, finish("stop", usage)},
			"created in_progress output_item.added content_part.added refusal.delta refusal.done content_part.done output_item.done completed",
			"completed", "message:refusal:No."},
		{"cut by the output limit", []chat.Chunk{text("Once upon"), finish("length", usage)},
			"created in_progress output_item.added content_part.added output_text.delta output_text.done content_part.done output_item.done incomplete",
			"incomplete", "message:Once upon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := encode(t, tc.chunks, (*Encoder).End)
			if got := typesOf(evs); got != tc.types {
				t.Fatalf("events:\n%s\nwant:\n%s", got, tc.types)
			}
			resp := evs[len(evs)-1].data["response"].(map[string]any)
			if resp["status"] != tc.status || resp["id"] != "resp_1" || resp["instructions"] != "Be brief." {
				t.Errorf("final response = %v", resp)
			}
			if u := resp["usage"].(map[string]any); u["total_tokens"] != float64(12) || u["output_tokens_details"].(map[string]any)["reasoning_tokens"] != float64(2) {
				t.Errorf("usage = %v", u)
			}
			if got := summary(resp["output"].([]any)); got != tc.output {
				t.Errorf("output = %s, want %s", got, tc.output)
			}
			// A message cut by the limit is itself incomplete; every
			// function_call_arguments.done names its function.
			for _, o := range resp["output"].([]any) {
				item := o.(map[string]any)
				want := "completed"
				if item["type"] == "message" && tc.status == "incomplete" {
					want = "incomplete"
				}
				if item["status"] != want {
					t.Errorf("%s item status %v, want %s", item["type"], item["status"], want)
				}
			}
			for _, ev := range evs {
				if ev.typ == "response.function_call_arguments.done" && ev.data["name"] == nil {
					t.Errorf("function_call_arguments.done without name: %v", ev.data)
				}
			}
		})
	}
}

// TestEncoderFail: a failure after commit is an error event, then
// response.failed with the output so far (the open item incomplete).
func TestEncoderFail(t *testing.T) {
	evs := encode(t, []chat.Chunk{text("Once")}, func(e *Encoder) error { return e.Fail("network", "cut") })
	want := "created in_progress output_item.added content_part.added output_text.delta error failed"
	if got := typesOf(evs); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	errEv := evs[len(evs)-2].data
	if errEv["code"] != "network" || errEv["message"] != "cut" {
		t.Errorf("error event = %v", errEv)
	}
	resp := evs[len(evs)-1].data["response"].(map[string]any)
	out := resp["output"].([]any)[0].(map[string]any)
	if resp["status"] != "failed" || resp["error"].(map[string]any)["code"] != "network" || out["status"] != "incomplete" || summary(resp["output"].([]any)) != "message:Once" {
		t.Errorf("failed response = %v", resp)
	}
}

func summary(items []any) string {
	var s []string
	for _, it := range items {
		m := it.(map[string]any)
		switch m["type"] {
		case "message":
			for _, p := range m["content"].([]any) {
				pm := p.(map[string]any)
				if pm["type"] == "refusal" {
					s = append(s, "message:refusal:"+pm["refusal"].(string))
				} else {
					s = append(s, "message:"+pm["text"].(string))
				}
			}
		case "function_call":
			s = append(s, "function_call:"+m["call_id"].(string)+":"+m["name"].(string)+":"+m["arguments"].(string))
		}
	}
	return strings.Join(s, " ")
}

// TestCommits: which native events commit a relayed stream. Any delta
// (reasoning included, so a reasoning model's first phase is not held
// unseen) and an acting item commit; a message or reasoning item being
// added, and the lifecycle events before them, do not.
func TestCommits(t *testing.T) {
	for _, tc := range []struct {
		typ, data string
		want      bool
	}{
		{"response.created", `{}`, false},
		{"response.in_progress", `{}`, false},
		{"response.output_item.added", `{"item":{"type":"message"}}`, false},
		{"response.output_item.added", `{"item":{"type":"reasoning"}}`, false},
		{"response.content_part.added", `{}`, false},
		{"response.output_text.delta", `{}`, true},
		{"response.refusal.delta", `{}`, true},
		{"response.function_call_arguments.delta", `{}`, true},
		{"response.reasoning_summary_text.delta", `{}`, true},
		{"response.code_interpreter_call_code.delta", `{}`, true},
		{"response.image_generation_call.partial_image", `{}`, true},
		{"response.output_item.added", `{"item":{"type":"function_call"}}`, true},
		{"response.output_item.added", `{"item":{"type":"web_search_call"}}`, true},
		{"response.completed", `{}`, true},
		{"response.incomplete", `{}`, true},
	} {
		if got := Commits(tc.typ, []byte(tc.data)); got != tc.want {
			t.Errorf("Commits(%s, %s) = %v, want %v", tc.typ, tc.data, got, tc.want)
		}
	}
}
