package gemini

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current translation")

// TestRequestGolden translates every testdata/requests/*.json (an OpenAI
// request) and compares the Gemini body with testdata/golden/<same name>.
// Every body must also pass the fake API's validation, so a golden cannot
// enshrine a request Gemini would reject. Run with -update after an
// intended change, and review the diff.
func TestRequestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "requests", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no request fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			var req chat.Request
			if err := json.Unmarshal(readFixture(t, filepath.Join("requests", name+".json")), &req); err != nil {
				t.Fatalf("decode request: %v", err)
			}
			got, err := toGemini(&req)
			if err != nil {
				t.Fatalf("toGemini: %v", err)
			}
			body, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if err := geminifake.ValidateBody(body); err != nil {
				t.Errorf("Gemini would reject this body: %v", err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("golden file missing (run go test -update): %v", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("translation differs from %s (go test -run TestRequestGolden -update to accept)\n got: %s", golden, pretty.String())
			}
		})
	}
}

func TestToolChoice(t *testing.T) {
	tools := []chat.Tool{{Type: "function", Function: chat.FunctionSpec{Name: "lookup"}}}
	tests := []struct {
		name    string
		choice  *chat.ToolChoice
		want    string // toolConfig JSON, "" for none
		wantErr string
	}{
		{name: "absent", choice: nil, want: ""},
		{name: "auto", choice: &chat.ToolChoice{Mode: "auto"}, want: `{"functionCallingConfig":{"mode":"AUTO"}}`},
		{name: "none", choice: &chat.ToolChoice{Mode: "none"}, want: `{"functionCallingConfig":{"mode":"NONE"}}`},
		{name: "required", choice: &chat.ToolChoice{Mode: "required"}, want: `{"functionCallingConfig":{"mode":"ANY"}}`},
		{name: "named", choice: &chat.ToolChoice{Function: "lookup"}, want: `{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["lookup"]}}`},
		{name: "named unknown", choice: &chat.ToolChoice{Function: "missing"}, wantErr: "tool_choice.function.name"},
		{name: "bad mode", choice: &chat.ToolChoice{Mode: "always"}, wantErr: "tool_choice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tc, err := convertTools(&chat.Request{Tools: tools, ToolChoice: tt.choice})
			if tt.wantErr != "" {
				assertInvalid(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if tc != nil {
				b, _ := json.Marshal(tc)
				got = string(b)
			}
			if got != tt.want {
				t.Errorf("toolConfig = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestConversionErrors: requests Gemini cannot serve fail before any call,
// as invalid_request naming the field, so the caller can fix them.
func TestConversionErrors(t *testing.T) {
	user := func(parts ...chat.Part) chat.Message {
		return chat.Message{Role: "user", Content: chat.Content{IsParts: true, Parts: parts}}
	}
	image := func(url string) chat.Part { return chat.Part{Type: "image_url", ImageURL: &chat.ImageURL{URL: url}} }
	call := func(id, name, args string) chat.Message {
		return chat.Message{Role: "assistant", Content: chat.Content{Null: true}, ToolCalls: []chat.ToolCall{{ID: id, Type: "function", Function: chat.FunctionCall{Name: name, Arguments: args}}}}
	}
	tests := []struct {
		name  string
		req   chat.Request
		param string
		msg   string
	}{
		{name: "http image URL", req: chat.Request{Messages: []chat.Message{user(image("https://example.com/cat.png"))}},
			param: "messages[0].content[0].image_url.url", msg: "cannot fetch http(s) URLs"},
		{name: "plain http image URL", req: chat.Request{Messages: []chat.Message{user(image("http://example.com/cat.png"))}},
			param: "messages[0].content[0].image_url.url", msg: "data:<mime>;base64"},
		{name: "data URL without base64", req: chat.Request{Messages: []chat.Message{user(image("data:image/png,rawbytes"))}},
			param: "messages[0].content[0].image_url.url", msg: "data:<mime type>;base64,<data>"},
		{name: "unknown URL scheme", req: chat.Request{Messages: []chat.Message{user(image("ftp://host/cat.png"))}},
			param: "messages[0].content[0].image_url.url", msg: "must be a data: URL"},
		{name: "unsupported part", req: chat.Request{Messages: []chat.Message{user(chat.Part{Type: "video_url", Raw: json.RawMessage(`{"type":"video_url"}`)})}},
			param: "messages[0].content[0].type", msg: `"video_url" is not supported`},
		{name: "file by id", req: chat.Request{Messages: []chat.Message{user(chat.Part{Type: "file", Raw: json.RawMessage(`{"type":"file","file":{"file_id":"file-abc"}}`)})}},
			param: "messages[0].content[0].file", msg: "file_id"},
		{name: "invalid tool call arguments", req: chat.Request{Messages: []chat.Message{userMsg("hi"), call("c1", "f", `{"a":`)}},
			param: "messages[1].tool_calls[0].function.arguments", msg: "not valid JSON"},
		{name: "non-object tool call arguments", req: chat.Request{Messages: []chat.Message{userMsg("hi"), call("c1", "f", `[1]`)}},
			param: "messages[1].tool_calls[0].function.arguments", msg: "JSON object"},
		{name: "tool result for unknown call", req: chat.Request{Messages: []chat.Message{userMsg("hi"), {Role: "tool", ToolCallID: "nope", Content: chat.TextContent("42")}}},
			param: "messages[1].tool_call_id", msg: "does not match"},
		{name: "unknown role", req: chat.Request{Messages: []chat.Message{{Role: "narrator", Content: chat.TextContent("x")}}},
			param: "messages[0].role", msg: "unknown role"},
		{name: "image in system", req: chat.Request{Messages: []chat.Message{{Role: "system", Content: chat.Content{IsParts: true, Parts: []chat.Part{image("data:image/png;base64,AA==")}}}, userMsg("hi")}},
			param: "messages[0].content", msg: "only hold text"},
		{name: "nothing to send", req: chat.Request{Messages: []chat.Message{{Role: "system", Content: chat.TextContent("be nice")}, userMsg("")}},
			param: "messages", msg: "at least one"},
		{name: "non-function tool", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Tools: []chat.Tool{{Type: "web_search"}}},
			param: "tools[0].type", msg: "only function tools"},
		{name: "recursive schema", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Tools: []chat.Tool{{Type: "function", Function: chat.FunctionSpec{Name: "tree",
			Parameters: json.RawMessage(`{"type":"object","properties":{"node":{"$ref":"#/$defs/Node"}},"$defs":{"Node":{"type":"object","properties":{"child":{"$ref":"#/$defs/Node"}}}}}`)}}}},
			param: "tools[0].function.parameters", msg: "recursive"},
		{name: "remote schema ref", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Tools: []chat.Tool{{Type: "function", Function: chat.FunctionSpec{Name: "f",
			Parameters: json.RawMessage(`{"type":"object","properties":{"a":{"$ref":"https://example.com/a.json"}}}`)}}}},
			param: "tools[0].function.parameters", msg: "not a local"},
		{name: "json_schema without schema object", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, ResponseFormat: &chat.ResponseFormat{Type: "json_schema"}},
			param: "response_format.json_schema", msg: "is required"},
		{name: "unknown response_format", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, ResponseFormat: &chat.ResponseFormat{Type: "yaml"}},
			param: "response_format.type", msg: "yaml"},
		{name: "bad reasoning_effort", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"reasoning_effort": json.RawMessage(`"max"`)}},
			param: "reasoning_effort", msg: "none, minimal"},
		{name: "safetySettings not an array", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"safetySettings": json.RawMessage(`{"category":"x"}`)}},
			param: "safetySettings", msg: "array"},
		{name: "topK not an integer", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"extra": json.RawMessage(`{"gemini":{"topK":"many"}}`)}},
			param: "extra.gemini.topK", msg: "integer"},
		{name: "cachedContent not a string", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"cached_content": json.RawMessage(`7`)}},
			param: "cached_content", msg: "string"},
		{name: "logprobs not a boolean", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"logprobs": json.RawMessage(`"yes"`)}},
			param: "logprobs", msg: "boolean"},
		{name: "negative top_logprobs", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"logprobs": json.RawMessage(`true`), "top_logprobs": json.RawMessage(`-1`)}},
			param: "top_logprobs", msg: "non-negative"},
		{name: "legacy functions", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"functions": json.RawMessage(`[{"name":"f"}]`)}},
			param: "functions", msg: "send tools instead"},
		{name: "legacy function_call", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"function_call": json.RawMessage(`"auto"`)}},
			param: "function_call", msg: "send tool_choice"},
		{name: "legacy function_call in history", req: chat.Request{Messages: []chat.Message{userMsg("hi"), {Role: "assistant", Content: chat.Content{Null: true}, FunctionCall: json.RawMessage(`{"name":"f","arguments":"{}"}`)}, userMsg("and?")}},
			param: "messages[1].function_call", msg: "send assistant tool_calls"},
		{name: "web_search_options", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"web_search_options": json.RawMessage(`{}`)}},
			param: "web_search_options", msg: "Google Search grounding"},
		{name: "legacy function role", req: chat.Request{Messages: []chat.Message{userMsg("hi"), {Role: "function", Name: "f", Content: chat.TextContent("42")}}},
			param: "messages[1].role", msg: `role "tool"`},
		{name: "tool_choice required without tools", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, ToolChoice: &chat.ToolChoice{Mode: "required"}},
			param: "tool_choice", msg: "needs tools"},
		{name: "named tool_choice without tools", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, ToolChoice: &chat.ToolChoice{Function: "f"}},
			param: "tool_choice.function.name", msg: "has none"},
		{name: "temperature above 2", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Temperature: chat.Ptr(2.5)},
			param: "temperature", msg: "range 0 to 2"},
		{name: "negative temperature", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Temperature: chat.Ptr(-1.0)},
			param: "temperature", msg: "range 0 to 2"},
		{name: "zero max_completion_tokens", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, MaxCompletionTokens: chat.Ptr(0)},
			param: "max_completion_tokens", msg: "at least 1"},
		{name: "audio modality", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"modalities": json.RawMessage(`["text","audio"]`)}},
			param: "modalities", msg: `"audio"`},
		{name: "modalities not an array", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"modalities": json.RawMessage(`"audio"`)}},
			param: "modalities", msg: "array of strings"},
		{name: "audio output", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"audio": json.RawMessage(`{"voice":"alloy","format":"wav"}`)}},
			param: "audio", msg: "audio output"},
		{name: "thinkingConfig not an object", req: chat.Request{Messages: []chat.Message{userMsg("hi")}, Extra: map[string]json.RawMessage{"thinkingConfig": json.RawMessage(`1024`)}},
			param: "thinkingConfig", msg: "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := toGemini(&tt.req)
			assertInvalid(t, err, tt.param)
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not say %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestToGeminiDoesNotModifyRequest(t *testing.T) {
	var req chat.Request
	raw := readFixture(t, filepath.Join("requests", "tool_calls.json"))
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(&req)
	if _, err := toGemini(&req); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(&req)
	if !bytes.Equal(before, after) {
		t.Errorf("toGemini modified the caller's request")
	}
}

func userMsg(text string) chat.Message {
	return chat.Message{Role: "user", Content: chat.TextContent(text)}
}

func assertInvalid(t *testing.T, err error, param string) {
	t.Helper()
	var pe *provider.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *provider.Error", err)
	}
	if pe.Class != provider.ClassUnsupported {
		t.Errorf("class = %s, want invalid_request", pe.Class)
	}
	if pe.Param != param {
		t.Errorf("param = %q, want %q", pe.Param, param)
	}
}
