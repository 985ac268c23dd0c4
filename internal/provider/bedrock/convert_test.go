package bedrock

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// TestRequestGolden sends every testdata/requests/*.json through the real
// SDK client and compares what reached the wire (the path with the escaped
// model id, and the JSON body) with testdata/golden/<name>.json.
func TestRequestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "requests", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no request fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			var req chat.Request
			if err := json.Unmarshal(readFile(t, file), &req); err != nil {
				t.Fatal(err)
			}
			f := newFake(t)
			c := newTestClient(t, f, provider.Env{Name: "bedrock-test"})
			call := &provider.Call{Model: req.Model, Request: &req}
			if req.Stream {
				f.SetReply(streamFixture("text", nil))
				s, err := c.Stream(context.Background(), call)
				if err != nil {
					t.Fatal(err)
				}
				for s.Next() {
				}
				if err := s.Err(); err != nil {
					t.Fatal(err)
				}
				s.Close()
			} else {
				f.SetReply(converseFixture("text"))
				if _, err := c.Complete(context.Background(), call); err != nil {
					t.Fatal(err)
				}
			}
			got := f.Requests()
			if len(got) != 1 {
				t.Fatalf("upstream received %d requests, want 1", len(got))
			}
			if got[0].Model != req.Model {
				t.Errorf("model id in path = %q, want %q", got[0].Model, req.Model)
			}
			wire, err := json.Marshal(map[string]any{"path": got[0].Path, "body": json.RawMessage(got[0].Body)})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("golden", name+".json"), canonicalJSON(t, wire))
		})
	}
}

// TestRequestNotMutated: the attempt loop reuses the caller's request for
// the next target, so translation must leave it as it was.
func TestRequestNotMutated(t *testing.T) {
	for _, name := range []string{"tools", "bedrock_params", "images"} {
		t.Run(name, func(t *testing.T) {
			raw := readFile(t, filepath.Join("testdata", "requests", name+".json"))
			var req chat.Request
			if err := json.Unmarshal(raw, &req); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(&req)
			if _, err := toConverse(req.Model, &req); err != nil {
				t.Fatal(err)
			}
			after, _ := json.Marshal(&req)
			if string(before) != string(after) {
				t.Errorf("request changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestRequestRejected: what Converse cannot serve is refused with a 400
// naming the parameter, and nothing is sent upstream.
func TestRequestRejected(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantParam string
		wantMsg   string
	}{
		{"http image URL", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}`,
			"messages[0].content[0].image_url.url", "does not fetch images"},
		{"unsupported image type", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}`,
			"messages[0].content[0].image_url.url", "not supported"},
		{"data URL not base64", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,@@@"}}]}]}`,
			"messages[0].content[0].image_url.url", "not valid base64"},
		{"s3 image without known extension", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"s3://b/key"}}]}]}`,
			"messages[0].content[0].image_url.url", "must end in"},
		{"audio part", `{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}`,
			"messages[0].content[0].type", "input_audio"},
		{"invalid tool arguments", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}`,
			"messages[1].tool_calls[0].function.arguments", "JSON object"},
		{"tool arguments not an object", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]}`,
			"messages[1].tool_calls[0].function.arguments", "JSON object"},
		{"tool message without id", `{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"42"}]}`,
			"messages[1].tool_call_id", "tool_call_id"},
		{"unknown role", `{"messages":[{"role":"narrator","content":"x"}]}`,
			"messages[0].role", "narrator"},
		{"legacy function role", `{"messages":[{"role":"user","content":"hi"},{"role":"function","name":"f","content":"x"}]}`,
			"messages[1].role", `role "tool"`},
		{"legacy functions", `{"messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f","parameters":{"type":"object"}}]}`,
			"functions", "send tools instead"},
		{"legacy function_call", `{"messages":[{"role":"user","content":"hi"}],"function_call":{"name":"f"}}`,
			"function_call", "send tool_choice"},
		{"legacy function_call in history", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}},{"role":"user","content":"and?"}]}`,
			"messages[1].function_call", "send assistant tool_calls"},
		{"web_search_options", `{"messages":[{"role":"user","content":"hi"}],"web_search_options":{"search_context_size":"high"}}`,
			"web_search_options", "no web search"},
		{"tool_choice required without tools", `{"messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}`,
			"tool_choice", "needs tools"},
		{"named tool_choice without tools", `{"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"function","function":{"name":"f"}}}`,
			"tool_choice.function.name", "has none"},
		{"tool history without tools", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}]}`,
			"tools", "requires the tools"},
		{"temperature above 1", `{"messages":[{"role":"user","content":"hi"}],"temperature":1.5}`,
			"temperature", "range 0 to 1"},
		{"negative temperature", `{"messages":[{"role":"user","content":"hi"}],"temperature":-0.5}`,
			"temperature", "range 0 to 1"},
		{"zero max_tokens", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}`,
			"max_tokens", "at least 1"},
		{"logprobs", `{"messages":[{"role":"user","content":"hi"}],"logprobs":true}`,
			"logprobs", "no log probabilities"},
		{"top_logprobs", `{"messages":[{"role":"user","content":"hi"}],"top_logprobs":3}`,
			"top_logprobs", "no log probabilities"},
		{"logprobs not a boolean", `{"messages":[{"role":"user","content":"hi"}],"logprobs":"yes"}`,
			"logprobs", "boolean"},
		{"audio modality", `{"messages":[{"role":"user","content":"hi"}],"modalities":["text","audio"]}`,
			"modalities", `"audio"`},
		{"audio output", `{"messages":[{"role":"user","content":"hi"}],"audio":{"voice":"alloy","format":"wav"}}`,
			"audio", "audio output"},
		{"n greater than one", `{"n":3,"messages":[{"role":"user","content":"hi"}]}`,
			"n", "one choice"},
		{"tool type", `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search","function":{"name":"s"}}]}`,
			"tools[0].type", "web_search"},
		{"tool parameters not an object", `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":"object"}}]}`,
			"tools[0].function.parameters", "JSON Schema"},
		{"tool_choice names an unknown tool", `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}`,
			"tool_choice.function.name", `"g"`},
		{"json_schema without schema", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}`,
			"response_format.json_schema.schema", "needs a schema"},
		{"unknown response_format", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"grammar"}}`,
			"response_format.type", "grammar"},
		{"guardrail with unknown field", `{"messages":[{"role":"user","content":"hi"}],"guardrailConfig":{"guardrailIdentifier":"g","guardrailVersion":"1","tracing":"on"}}`,
			"guardrailConfig", "tracing"},
		{"guardrail without version", `{"messages":[{"role":"user","content":"hi"}],"extra":{"bedrock":{"guardrailConfig":{"guardrailIdentifier":"g"}}}}`,
			"guardrailConfig", "required"},
		{"additional fields not an object", `{"messages":[{"role":"user","content":"hi"}],"additionalModelRequestFields":[1]}`,
			"additionalModelRequestFields", "object"},
		{"request metadata not strings", `{"messages":[{"role":"user","content":"hi"}],"requestMetadata":{"n":1}}`,
			"requestMetadata", "string"},
		{"image in a system message", `{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]},{"role":"user","content":"hi"}]}`,
			"messages[0].content[0]", "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req chat.Request
			if err := json.Unmarshal([]byte(tt.body), &req); err != nil {
				t.Fatal(err)
			}
			f := newFake(t)
			f.SetReply(converseFixture("text"))
			c := newTestClient(t, f, provider.Env{})
			for _, op := range []string{"complete", "stream"} {
				var err error
				call := &provider.Call{Model: "anthropic.claude-3-haiku-20240307-v1:0", Request: &req}
				if op == "complete" {
					_, err = c.Complete(context.Background(), call)
				} else {
					_, err = c.Stream(context.Background(), call)
				}
				var pe *provider.Error
				if !errors.As(err, &pe) {
					t.Fatalf("%s: err = %v, want *provider.Error", op, err)
				}
				if pe.Class != provider.ClassUnsupported || pe.Param != tt.wantParam || !strings.Contains(pe.Message, tt.wantMsg) {
					t.Errorf("%s: got class %s param %q message %q; want %s, %q, containing %q",
						op, pe.Class, pe.Param, pe.Message, provider.ClassUnsupported, tt.wantParam, tt.wantMsg)
				}
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("upstream received %d requests, want none", n)
			}
		})
	}
}

func TestEmptyModelRejected(t *testing.T) {
	f := newFake(t)
	c := newTestClient(t, f, provider.Env{})
	_, err := c.Complete(context.Background(), userCall(""))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Class != provider.ClassUnsupported || pe.Param != "model" {
		t.Errorf("err = %v, want invalid_request on model", err)
	}
	if len(f.Requests()) != 0 {
		t.Errorf("a request without a model id reached the upstream")
	}
}

// TestGoldenFilesAreUsed keeps testdata/golden free of files no request
// fixture produces any more.
func TestGoldenFilesAreUsed(t *testing.T) {
	goldens, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, g := range goldens {
		if _, err := os.Stat(filepath.Join("testdata", "requests", filepath.Base(g))); err != nil {
			t.Errorf("%s has no request fixture", g)
		}
	}
}
