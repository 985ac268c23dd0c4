package anthropic

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
	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current translation")

// TestBuildBodyGolden translates each OpenAI request in testdata/requests
// and compares the Messages body with testdata/golden. Every golden body must
// also pass the fake API's validation, so a golden cannot enshrine a request
// Anthropic would reject.
func TestBuildBodyGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/requests/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no request fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			req := readRequest(t, file)
			body, err := buildBody(strings.TrimPrefix(req.Model, "anthropic/"), req, false)
			if err != nil {
				t.Fatalf("buildBody: %v", err)
			}
			if err := anthropicfake.ValidateBody(body); err != nil {
				t.Errorf("Anthropic would reject this body: %v", err)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("body differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got.Bytes(), want)
			}
		})
	}
}

func readRequest(t *testing.T, file string) *chat.Request {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var req chat.Request
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return &req
}

// TestBuildBodyStream checks the one field that differs for a streamed call.
func TestBuildBodyStream(t *testing.T) {
	req := readRequest(t, "testdata/requests/minimal.json")
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "complete", true: "stream"}[stream], func(t *testing.T) {
			body, err := buildBody("claude-haiku-4-5", req, stream)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if v, ok := got["stream"]; stream != ok || (ok && v != true) {
				t.Errorf("stream = %v (present %v), want %v", v, ok, stream)
			}
		})
	}
}

// TestBuildBodyRejects lists requests Anthropic cannot honour: each is a 400
// invalid_request naming the parameter, never sent upstream, never a silent
// change of meaning.
func TestBuildBodyRejects(t *testing.T) {
	const user = `{"role":"user","content":"hi"}`
	tests := []struct {
		name, body, param string
	}{
		{"n greater than one", `{"n":3,"messages":[` + user + `]}`, "n"},
		{"logprobs", `{"logprobs":true,"messages":[` + user + `]}`, "logprobs"},
		{"top_logprobs", `{"top_logprobs":5,"messages":[` + user + `]}`, "top_logprobs"},
		{"audio modality", `{"modalities":["text","audio"],"messages":[` + user + `]}`, "modalities"},
		{"audio output", `{"audio":{"voice":"alloy","format":"wav"},"messages":[` + user + `]}`, "audio"},
		{"json_object", `{"response_format":{"type":"json_object"},"messages":[` + user + `]}`, "response_format"},
		{"json_schema without schema", `{"response_format":{"type":"json_schema","json_schema":{"name":"x"}},"messages":[` + user + `]}`, "response_format.json_schema.schema"},
		{"unknown response_format", `{"response_format":{"type":"xml"},"messages":[` + user + `]}`, "response_format.type"},
		{"zero max_tokens", `{"max_tokens":0,"messages":[` + user + `]}`, "max_tokens"},
		{"negative max_completion_tokens", `{"max_completion_tokens":-1,"messages":[` + user + `]}`, "max_completion_tokens"},
		{"invalid tool arguments", `{"messages":[` + user + `,{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}]}`, "messages[1].tool_calls[0].function.arguments"},
		{"tool arguments not an object", `{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]}`, "messages[1].tool_calls[0].function.arguments"},
		{"tool call without id", `{"messages":[` + user + `,{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]}`, "messages[1].tool_calls[0].id"},
		{"tool message without tool_call_id", `{"messages":[` + user + `,{"role":"tool","content":"42"}]}`, "messages[1].tool_call_id"},
		{"image with ftp URL", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://example.com/cat.png"}}]}]}`, "messages[0].content[0].image_url.url"},
		{"image of unsupported type", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/tiff;base64,AAAA"}}]}]}`, "messages[0].content[0].image_url.url"},
		{"data URL not base64", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]}]}`, "messages[0].content[0].image_url.url"},
		{"audio input part", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}`, "messages[0].content[0].type"},
		{"image in system message", `{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},` + user + `]}`, "messages[0].content[0].type"},
		{"function role", `{"messages":[` + user + `,{"role":"function","name":"f","content":"42"}]}`, "messages[1].role"},
		{"legacy functions", `{"functions":[{"name":"f","parameters":{"type":"object"}}],"messages":[` + user + `]}`, "functions"},
		{"legacy function_call", `{"function_call":"auto","messages":[` + user + `]}`, "function_call"},
		{"legacy function_call in history", `{"messages":[` + user + `,{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}},` + user + `]}`, "messages[1].function_call"},
		{"web_search_options", `{"web_search_options":{},"messages":[` + user + `]}`, "web_search_options"},
		{"web_search_options with a location", `{"web_search_options":{"search_context_size":"low","user_location":{"type":"approximate","approximate":{"country":"GB"}}},"messages":[` + user + `]}`, "web_search_options"},
		{"safety_identifier not a string", `{"safety_identifier":42,"messages":[` + user + `]}`, "safety_identifier"},
		{"temperature above 1", `{"temperature":1.5,"messages":[` + user + `]}`, "temperature"},
		{"negative temperature", `{"temperature":-0.1,"messages":[` + user + `]}`, "temperature"},
		{"logprobs not a boolean", `{"logprobs":"yes","messages":[` + user + `]}`, "logprobs"},
		{"modalities not an array", `{"modalities":"audio","messages":[` + user + `]}`, "modalities"},
		{"tool_choice required without tools", `{"tool_choice":"required","messages":[` + user + `]}`, "tool_choice"},
		{"named tool_choice without tools", `{"tool_choice":{"type":"function","function":{"name":"f"}},"messages":[` + user + `]}`, "tool_choice.function.name"},
		{"named tool_choice not among tools", `{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}},"messages":[` + user + `]}`, "tool_choice.function.name"},
		{"non-function tool", `{"tools":[{"type":"custom","function":{"name":"f"}}],"messages":[` + user + `]}`, "tools[0].type"},
		{"tool without name", `{"tools":[{"type":"function","function":{"description":"x"}}],"messages":[` + user + `]}`, "tools[0].function.name"},
		{"unknown tool_choice mode", `{"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes","messages":[` + user + `]}`, "tool_choice"},
		{"extra.anthropic overrides messages", `{"extra":{"anthropic":{"messages":[]}},"messages":[` + user + `]}`, "extra.anthropic.messages"},
		{"only a system message", `{"messages":[{"role":"system","content":"be nice"}]}`, "messages"},
		{"extra.anthropic overrides model", `{"extra":{"anthropic":{"model":"claude-opus-4-1"}},"messages":[` + user + `]}`, "extra.anthropic.model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req chat.Request
			if err := json.Unmarshal([]byte(tt.body), &req); err != nil {
				t.Fatalf("fixture: %v", err)
			}
			body, err := buildBody("claude-sonnet-4-5", &req, false)
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (body %s), want *provider.Error", err, body)
			}
			if pe.Class != provider.ClassUnsupported || pe.Status != 400 || pe.Type != "invalid_request_error" {
				t.Errorf("got class %s status %d type %q, want invalid_request 400 invalid_request_error", pe.Class, pe.Status, pe.Type)
			}
			if pe.Param != tt.param {
				t.Errorf("param = %q, want %q", pe.Param, tt.param)
			}
			if !strings.HasPrefix(pe.Message, "anthropic: "+tt.param+": ") {
				t.Errorf("message %q should name the provider and the parameter", pe.Message)
			}
		})
	}
}

func TestFinishReason(t *testing.T) {
	tests := map[string]string{
		"end_turn":                      "stop",
		"stop_sequence":                 "stop",
		"pause_turn":                    "stop",
		"":                              "stop",
		"some_future_reason":            "stop",
		"max_tokens":                    "length",
		"model_context_window_exceeded": "length",
		"tool_use":                      "tool_calls",
		"refusal":                       "content_filter",
	}
	for stop, want := range tests {
		t.Run(stop, func(t *testing.T) {
			if got := finishReason(stop); got != want {
				t.Errorf("finishReason(%q) = %q, want %q", stop, got, want)
			}
		})
	}
}
